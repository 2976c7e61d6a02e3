// Checks the generated tiny SmolVLM fixture through transformers.js' normal local-folder loading
// (onnxruntime-node CPU): tokenizer and chat template, image-token expansion, logits against the
// float64 reference implementation, padding masks, the key/value cache, num_logits_to_keep,
// answer letters that depend on the image, generate(), the fp16 files, onnxruntime-web WASM in
// Node (child process), and byte-identical regeneration.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AutoModelForVision2Seq,
  AutoProcessor,
  DynamicCache,
  Idefics3ForConditionalGeneration,
  RawImage,
  Tensor,
  env,
  ones,
  type PreTrainedModel,
  type Processor,
} from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MODEL_NAME,
  MODEL_NAME_FULL_LOGITS,
  STAMP_FILE,
  datasetItems,
  generateFixtures,
  hashTree,
  loadDataset,
} from '../../scripts/make-fixtures.ts';
import { referenceDecoder, referenceVision } from '../../scripts/fixtures/reference.ts';
import { TEXT, VISION } from '../../scripts/fixtures/spec.ts';
import { PROMPT_TEMPLATES } from '../../scripts/fixtures/tokenizer.ts';
import {
  createTinyModel,
  fillTemplate,
  type DatasetItem,
  type TinyModel,
} from '../../scripts/fixtures/tinySmolVLM.ts';

const FIXTURES = path.resolve('.fixtures');
const MODELS = path.join(FIXTURES, 'models');
const IMAGES = path.join(FIXTURES, 'images');

type Outputs = Record<string, Tensor>;
// transformers.js types the call loosely; these are the inputs this file passes.
type Run = (inputs: Record<string, unknown>) => Promise<Outputs>;

let processor: Processor;
let model: PreTrainedModel;
let run: Run;
let items: DatasetItem[];
let tiny: TinyModel;
let idA: number;
let idB: number;

const imagePath = (id: number) => path.join(IMAGES, `${id}.jpg`);
const loadImage = (id: number) => RawImage.read(imagePath(id));

function chat(text: string): string {
  return processor.apply_chat_template(
    [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text }] }],
    { add_generation_prompt: true },
  ) as string;
}

function gdText(item: DatasetItem, templateIndex = 0): string {
  return fillTemplate(PROMPT_TEMPLATES[templateIndex]!, [item.question, item.option_A, item.option_B]);
}

async function prepare(text: string, imageId: number): Promise<Outputs> {
  return (await processor(chat(text), await loadImage(imageId))) as Outputs;
}

function rows(t: Tensor): { seq: number; vocab: number; data: Float32Array } {
  const f32 = t.type === 'float32' ? t : t.to('float32');
  const dims = f32.dims as number[];
  return { seq: dims.at(-2)!, vocab: dims.at(-1)!, data: f32.data as Float32Array };
}

function lastRow(t: Tensor): Float32Array {
  const { seq, vocab, data } = rows(t);
  return data.subarray((seq - 1) * vocab, seq * vocab);
}

/** P("A") of the softmax over the two letter logits at the last position. */
function probA(logits: Tensor): number {
  const last = lastRow(logits);
  return 1 / (1 + Math.exp(last[idB]! - last[idA]!));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function cacheFrom(outputs: Outputs): DynamicCache {
  const entries: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(outputs)) {
    if (name.startsWith('present.')) entries[name.replace('present.', 'past_key_values.')] = t;
  }
  return new DynamicCache(entries);
}

const idsOf = (inputs: Outputs) => Array.from(inputs.input_ids!.data as BigInt64Array, Number);

beforeAll(async () => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = MODELS;
  processor = await AutoProcessor.from_pretrained(MODEL_NAME);
  model = await AutoModelForVision2Seq.from_pretrained(MODEL_NAME, { dtype: 'fp32', device: 'cpu' });
  run = model as unknown as Run;
  items = datasetItems(await loadDataset());
  tiny = createTinyModel(items);
  idA = processor.tokenizer!.convert_tokens_to_ids('A') as number;
  idB = processor.tokenizer!.convert_tokens_to_ids('B') as number;
});

afterAll(async () => {
  await model?.dispose();
});

describe('tiny SmolVLM fixture: files and tokenizer', () => {
  it('has an Idefics3 config with the documented shapes', async () => {
    const config = JSON.parse(await readFile(path.join(MODELS, MODEL_NAME, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('idefics3');
    expect(config.architectures).toEqual(['Idefics3ForConditionalGeneration']);
    expect(config.text_config).toMatchObject({
      vocab_size: 768,
      hidden_size: TEXT.hidden,
      num_hidden_layers: TEXT.layers,
      num_attention_heads: TEXT.heads,
      num_key_value_heads: TEXT.kvHeads,
      head_dim: TEXT.headDim,
    });
    expect(config.image_token_id).toBe(processor.tokenizer!.convert_tokens_to_ids('<image>'));
    const gen = JSON.parse(await readFile(path.join(MODELS, MODEL_NAME, 'generation_config.json'), 'utf8'));
    expect(gen.eos_token_id).toBe(processor.tokenizer!.convert_tokens_to_ids('<end_of_utterance>'));
    // The other loader class resolves the same folder.
    const direct = await Idefics3ForConditionalGeneration.from_pretrained(MODEL_NAME, {
      dtype: 'fp32',
      device: 'cpu',
    });
    await direct.dispose();
  });

  it('tokenises letters, specials and dataset text as a byte-level BPE', () => {
    const tok = processor.tokenizer!;
    const encode = (t: string) => tok.encode(t, { add_special_tokens: false });
    expect(encode('A')).toEqual([idA]);
    expect(encode('B')).toEqual([idB]);
    const [spaceA] = encode(' A');
    expect(encode(' A')).toHaveLength(1);
    expect(spaceA).not.toBe(idA);
    expect(encode(' B')).toHaveLength(1);
    for (const special of [
      '<|im_start|>',
      '<end_of_utterance>',
      '<image>',
      '<fake_token_around_image>',
      '<global-img>',
    ]) {
      expect(encode(special)).toHaveLength(1);
    }
    let chars = 0;
    let tokens = 0;
    for (const item of items) {
      for (const text of [item.question, item.option_A, item.option_B]) {
        const ids = encode(text);
        expect(tok.decode(ids)).toBe(text);
        chars += text.length;
        tokens += ids.length;
      }
    }
    expect(chars / tokens).toBeGreaterThan(2.5); // merges give multi-character tokens
  });

  it('renders the SmolVLM chat template and expands the image placeholder', async () => {
    const text = 'Is this a CT?';
    expect(chat(text)).toBe(`<|im_start|>User:<image>${text}<end_of_utterance>\nAssistant:`);
    const withAnswer = processor.apply_chat_template(
      [
        { role: 'user', content: [{ type: 'image' }, { type: 'text', text }] },
        { role: 'assistant', content: [{ type: 'text', text: 'A' }] },
      ],
      { add_generation_prompt: false },
    );
    expect(withAnswer).toBe(
      `<|im_start|>User:<image>${text}<end_of_utterance>\nAssistant: A<end_of_utterance>\n`,
    );

    const tok = processor.tokenizer!;
    const image = tok.convert_tokens_to_ids('<image>') as number;
    const fake = tok.convert_tokens_to_ids('<fake_token_around_image>') as number;
    const global = tok.convert_tokens_to_ids('<global-img>') as number;
    // Images of different sizes all become one 32×32 tile with 16 image tokens.
    for (const id of [items[0]!.im_1_local, items[0]!.im_2_local, items[5]!.im_1_local]) {
      const raw = await loadImage(id);
      const inputs = (await processor(chat(text), raw)) as Outputs;
      expect(inputs.pixel_values!.dims).toEqual([1, 1, 3, VISION.imageSize, VISION.imageSize]);
      expect(inputs.pixel_attention_mask!.dims).toEqual([1, 1, VISION.imageSize, VISION.imageSize]);
      const ids = idsOf(inputs);
      const first = ids.indexOf(image);
      expect(ids.filter((t) => t === image)).toHaveLength(VISION.imageSeqLen);
      expect(ids.slice(first - 2, first)).toEqual([fake, global]);
      expect(ids[first + VISION.imageSeqLen]).toBe(fake);
      expect(tok.decode(ids)).toBe(
        `<|im_start|>User:<fake_token_around_image><global-img>${'<image>'.repeat(16)}` +
          `<fake_token_around_image>${text}<end_of_utterance>\nAssistant:`,
      );
    }
  });
});

describe('tiny SmolVLM fixture: forward pass', () => {
  it('returns logits for every position, equal to the float64 reference', async () => {
    const inputs = await prepare(gdText(items[0]!), items[0]!.im_1_local);
    const ids = idsOf(inputs);
    const out = await run(inputs);
    expect(out.logits!.dims).toEqual([1, ids.length, 768]);
    for (let l = 0; l < TEXT.layers; l++) {
      expect(out[`present.${l}.key`]!.dims).toEqual([1, TEXT.kvHeads, ids.length, TEXT.headDim]);
      expect(out[`present.${l}.value`]!.dims).toEqual([1, TEXT.kvHeads, ids.length, TEXT.headDim]);
    }

    const w = tiny.weights;
    const H = TEXT.hidden;
    const feats = referenceVision(w, inputs.pixel_values!.data as Float32Array, 1);
    const imageId = processor.tokenizer!.convert_tokens_to_ids('<image>') as number;
    const embeds = new Float64Array(ids.length * H);
    let img = 0;
    ids.forEach((id, s) => {
      const row =
        id === imageId ? feats.subarray(img * H, ++img * H) : w.embed.subarray(id * H, (id + 1) * H);
      embeds.set(row, s * H);
    });
    const ref = referenceDecoder(
      w,
      embeds,
      ids.map((_, s) => s),
    );
    expect(maxAbsDiff(rows(out.logits!).data, ref.logits)).toBeLessThan(1e-4);
  });

  it('honours padding in attention_mask and explicit position_ids (batch of 2)', async () => {
    const w = tiny.weights;
    const H = TEXT.hidden;
    const ids = idsOf((await processor.tokenizer!(gdText(items[3]!))) as Outputs);
    const S = ids.length;
    const pad = 3;
    // Row 0: left padding (mask 0, position 1 like transformers.js), then the prompt minus its
    // first `pad` tokens. Row 1: the full prompt.
    const rowIds = [[...new Array<number>(pad).fill(2), ...ids.slice(pad)], ids];
    const masks = [
      [...new Array<number>(pad).fill(0), ...new Array<number>(S - pad).fill(1)],
      new Array<number>(S).fill(1),
    ];
    const positions = [
      [...new Array<number>(pad).fill(1), ...Array.from({ length: S - pad }, (_, i) => i)],
      Array.from({ length: S }, (_, i) => i),
    ];
    const embeds = new Float32Array(2 * S * H);
    rowIds.forEach((r, b) =>
      r.forEach((id, s) => embeds.set(w.embed.subarray(id * H, (id + 1) * H), (b * S + s) * H)),
    );
    const out = await run({
      inputs_embeds: new Tensor('float32', embeds, [2, S, H]),
      attention_mask: new Tensor('int64', BigInt64Array.from(masks.flat().map(BigInt)), [2, S]),
      position_ids: new Tensor('int64', BigInt64Array.from(positions.flat().map(BigInt)), [2, S]),
    });
    const { data, vocab } = rows(out.logits!);
    for (let b = 0; b < 2; b++) {
      const ref = referenceDecoder(w, embeds.subarray(b * S * H, (b + 1) * S * H), positions[b]!, masks[b]!);
      const got = data.subarray(b * S * vocab, (b + 1) * S * vocab);
      // Padded query rows attend to nothing valid; compare the real positions only.
      const from = b === 0 ? pad : 0;
      expect(maxAbsDiff(got.subarray(from * vocab), ref.logits.subarray(from * vocab))).toBeLessThan(1e-4);
    }
    // The padded row's real tokens see exactly what an unpadded run of the shorter prompt sees.
    const short = referenceDecoder(w, embeds.subarray(pad * H, S * H), positions[0]!.slice(pad));
    expect(maxAbsDiff(data.subarray(pad * vocab, S * vocab), short.logits)).toBeLessThan(1e-4);
  });

  it('continues from a cached prefix with the same logits as one full pass', async () => {
    const inputs = await prepare(gdText(items[1]!), items[1]!.im_2_local);
    const S = inputs.input_ids!.dims[1]!;
    const full = rows((await run(inputs)).logits!);
    for (const k of [S - 1, S - 9, VISION.imageSeqLen + 6]) {
      const prefix = await run({
        ...inputs,
        input_ids: inputs.input_ids!.slice(null, [0, k]),
        attention_mask: ones([1, k]),
      });
      const cache = cacheFrom(prefix);
      expect(cache.get_seq_length()).toBe(k);
      const rest = {
        input_ids: inputs.input_ids!.slice(null, [k, S]),
        attention_mask: ones([1, S]),
        past_key_values: cache,
      };
      const cont = rows((await run(rest)).logits!);
      expect(cont.seq).toBe(S - k);
      expect(maxAbsDiff(cont.data, full.data.subarray(k * full.vocab))).toBeLessThan(1e-4);
      // model() leaves the cache as it was: a second continuation gives the same logits.
      expect(cache.get_seq_length()).toBe(k);
      const again = rows((await run(rest)).logits!);
      expect(maxAbsDiff(again.data, cont.data)).toBe(0);
    }
  });

  it('returns only the last rows when num_logits_to_keep is passed (and all rows from the variant without it)', async () => {
    const inputs = await prepare(gdText(items[2]!), items[2]!.im_1_local);
    const S = inputs.input_ids!.dims[1]!;
    const all = await run(inputs);
    const keep1 = await run({ ...inputs, num_logits_to_keep: new Tensor('int64', [1n], []) });
    expect(keep1.logits!.dims).toEqual([1, 1, 768]);
    expect(maxAbsDiff(lastRow(keep1.logits!), lastRow(all.logits!))).toBe(0);
    const keep0 = await run({ ...inputs, num_logits_to_keep: new Tensor('int64', [0n], []) });
    expect(keep0.logits!.dims).toEqual([1, S, 768]);

    const variant = (await AutoModelForVision2Seq.from_pretrained(MODEL_NAME_FULL_LOGITS, {
      dtype: 'fp32',
      device: 'cpu',
    })) as PreTrainedModel;
    try {
      const v = await (variant as unknown as Run)({
        ...inputs,
        num_logits_to_keep: new Tensor('int64', [1n], []),
      });
      expect(v.logits!.dims).toEqual([1, S, 768]);
      expect(maxAbsDiff(rows(v.logits!).data, rows(all.logits!).data)).toBe(0);
    } finally {
      await variant.dispose();
    }
  });

  it('answers A or B depending on the image', async () => {
    const pairs = items.slice(0, 20);
    const argmax = new Set<string>();
    const gaps: number[] = [];
    for (const [i, item] of pairs.entries()) {
      const text = gdText(item, i % PROMPT_TEMPLATES.length);
      const p1 = probA((await run(await prepare(text, item.im_1_local))).logits!);
      const p2 = probA((await run(await prepare(text, item.im_2_local))).logits!);
      gaps.push(Math.abs(p1 - p2));
      argmax.add(p1 > 0.5 ? 'A' : 'B').add(p2 > 0.5 ? 'A' : 'B');
    }
    expect(argmax).toEqual(new Set(['A', 'B']));
    expect(Math.min(...gaps)).toBeGreaterThan(1e-4);
    expect(gaps.filter((g) => g > 0.05).length).toBeGreaterThanOrEqual(10);
  });

  it('generates with generate({max_new_tokens: 8})', async () => {
    const inputs = await prepare(gdText(items[4]!), items[4]!.im_1_local);
    const S = inputs.input_ids!.dims[1]!;
    const out = (await model.generate({ ...inputs, max_new_tokens: 8 })) as Tensor;
    const generated = out.dims[1]! - S;
    expect(generated).toBeGreaterThanOrEqual(1);
    expect(generated).toBeLessThanOrEqual(8);
    expect(Array.from(out.data as BigInt64Array, Number).slice(0, S)).toEqual(idsOf(inputs));
  });
});

describe('tiny SmolVLM fixture: other precisions and runtimes', () => {
  it('fp16 files load (float16 logits and cache) and agree with fp32', async () => {
    const half = (await AutoModelForVision2Seq.from_pretrained(MODEL_NAME, {
      dtype: 'fp16',
      device: 'cpu',
    })) as PreTrainedModel;
    try {
      for (const item of items.slice(0, 3)) {
        const inputs = await prepare(gdText(item), item.im_1_local);
        const out16 = await (half as unknown as Run)(inputs);
        expect(out16.logits!.type).toBe('float16');
        expect(out16['present.0.key']!.type).toBe('float16');
        const p32 = probA((await run(inputs)).logits!);
        expect(Math.abs(probA(out16.logits!) - p32)).toBeLessThan(0.02);
      }
    } finally {
      await half.dispose();
    }
  });

  it('runs on onnxruntime-web WASM inside Node (separate process) with the CPU logits', async () => {
    const item = items[0]!;
    const text = gdText(item);
    const cpu = lastRow((await run(await prepare(text, item.im_1_local))).logits!);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/fixtures/wasmProbe.ts',
        MODELS,
        MODEL_NAME,
        imagePath(item.im_1_local),
        text,
      ],
      { maxBuffer: 16 << 20 },
    );
    const probe = JSON.parse(stdout.trim().split('\n').at(-1)!) as { runtime: string; last: number[] };
    expect(probe.runtime).toMatch(/^onnxruntime-web /);
    expect(maxAbsDiff(probe.last, cpu)).toBeLessThan(1e-4);
  });
});

describe('fixture generator', () => {
  it('writes byte-identical files on every run', async () => {
    const dirs = await Promise.all([0, 1].map(() => mkdtemp(path.join(os.tmpdir(), 'tiny-smolvlm-'))));
    try {
      for (const dir of dirs) await generateFixtures(dir);
      const [h1, h2] = await Promise.all(dirs.map((d) => hashTree(d)));
      expect(h1).toBe(h2);
      const stamp = JSON.parse(await readFile(path.join(FIXTURES, STAMP_FILE), 'utf8')) as {
        filesHash: string;
      };
      expect(h1).toBe(stamp.filesHash);
      // The bench model is written beside the fixtures (.fixtures/bench/); it is not theirs to hash.
      await mkdir(path.join(dirs[0]!, 'bench'), { recursive: true });
      await writeFile(path.join(dirs[0]!, 'bench', 'model.onnx'), 'not a fixture');
      expect(await hashTree(dirs[0]!)).toBe(h1);
      await writeFile(path.join(dirs[0]!, 'images', 'extra.png'), 'stray');
      expect(await hashTree(dirs[0]!)).not.toBe(h1);
    } finally {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    }
  });
});
