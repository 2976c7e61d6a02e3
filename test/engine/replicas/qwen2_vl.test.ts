// The Qwen2-VL replica (scripts/fixtures/replicas/qwen2_vl/, following onnx-community/Qwen2-VL-2B-
// Instruct): the conformance suite, then what is particular to the family: the files as the real
// repo ships them, the prompt's image block, three-row rotary positions for a cached continuation
// (equal to the full sequence's, and wrong positions really change the logits), and the blind
// baseline's image size.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RawImage, Tensor } from '@huggingface/transformers';
import type * as OnnxProtoModule from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConversation } from '../../../src/core/prompts.ts';
import { localIdOf } from '../../../src/core/run/plan.ts';
import { QWEN2_VL_DTYPES, QWEN2_VL_REPLICA_NAME } from '../../../scripts/fixtures/replicas/qwen2_vl/index.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../../scripts/lib/nodeEngine.ts';
import type { LoadedModel } from '../../../workers/engine/loadModel.ts';
import { IMAGES_DIR, officialDataset } from '../../support/fixtures.ts';
import { describeReplica, replicaDir } from '../../support/replicaSuite.ts';

describeReplica({
  name: QWEN2_VL_REPLICA_NAME,
  family: 'qwen2_vl',
  dtypes: QWEN2_VL_DTYPES,
  reusesPrefix: true,
});

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof OnnxProtoModule;
const dir = replicaDir(QWEN2_VL_REPLICA_NAME);
const dataset = officialDataset();
const readJson = async (file: string) => JSON.parse(await readFile(path.join(dir, file), 'utf8'));

// transformers.js and the engine modules that import it load after createNodeEngine has chosen
// onnxruntime-web (a static import would bind onnxruntime-node first).
let tf: NodeEngine['transformers'];
let fwd: typeof import('../../../workers/engine/forward.ts');
let blank: typeof import('../../../workers/engine/blankImage.ts');

type Forward = (inputs: Record<string, unknown>) => Promise<Record<string, Tensor>>;
type Processor = (text: string, image: RawImage) => Promise<Record<string, Tensor>>;

const ones = (n: number) => new tf.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
const idsTensor = (ids: readonly number[]) =>
  new tf.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
const rows = (t: Tensor): number[][] => (t.tolist() as bigint[][][]).map((r) => r[0]!.map(Number));

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const lastRow = (t: Tensor) => {
  const [, n, v] = t.dims as [number, number, number];
  return (t.data as Float32Array).slice((n - 1) * v, n * v);
};

describe('Qwen2-VL replica: files as onnx-community/Qwen2-VL-2B-Instruct ships them', () => {
  it('has no processor_config.json, the chat template in both places, and pixel-count limits', async () => {
    const files = await readdir(dir);
    expect(files).not.toContain('processor_config.json');
    expect(files).toEqual(
      expect.arrayContaining(['chat_template.json', 'vocab.json', 'merges.txt', 'added_tokens.json']),
    );
    const template = (await readJson('chat_template.json')).chat_template;
    expect((await readJson('tokenizer_config.json')).chat_template).toBe(template);
    expect(template).toContain('<|vision_start|><|image_pad|><|vision_end|>');
    const pre = await readJson('preprocessor_config.json');
    expect(pre.image_processor_type).toBe('Qwen2VLImageProcessor');
    expect(pre.processor_class).toBe('Qwen2VLProcessor');
    expect(pre.size).toEqual({ max_pixels: pre.max_pixels, min_pixels: pre.min_pixels });
    expect([pre.patch_size, pre.merge_size, pre.temporal_patch_size]).toEqual([14, 2, 2]);
    const tokenPixels = (pre.patch_size * pre.merge_size) ** 2;
    expect([pre.min_pixels / tokenPixels, pre.max_pixels / tokenPixels]).toEqual([16, 64]);
    const config = await readJson('config.json');
    expect(config.model_type).toBe('qwen2_vl');
    expect(config.rope_scaling.mrope_section).toEqual([2, 3, 3]);
    for (const key of ['image_token_id', 'video_token_id', 'vision_start_token_id', 'vision_end_token_id'])
      expect(typeof config[key]).toBe('number');
  });

  it('keeps every weight of 1 kB or more in <file>.onnx_data, each named in use_external_data_format', async () => {
    const config = await readJson('config.json');
    const external = config['transformers.js_config'].use_external_data_format as Record<string, boolean>;
    const onnxFiles = (await readdir(path.join(dir, 'onnx'))).filter((f) => f.endsWith('.onnx'));
    expect(Object.keys(external).sort()).toEqual(onnxFiles.sort());
    for (const f of onnxFiles) {
      const model = onnx.ModelProto.decode(await readFile(path.join(dir, 'onnx', f)));
      const initializers = (model.graph as OnnxProtoModule.onnx.GraphProto).initializer;
      const inline = initializers.filter((t) => (t.rawData?.length ?? 0) >= 1024);
      expect(inline.map((t) => t.name)).toEqual([]);
      const locations = new Set(
        initializers.flatMap((t) =>
          (t.externalData ?? []).filter((e) => e.key === 'location').map((e) => e.value),
        ),
      );
      expect([...locations]).toEqual([`${f}_data`]);
    }
  });
});

describe('Qwen2-VL replica: prompts, rotary positions and the blank image', () => {
  let engine: NodeEngine;
  let lm: LoadedModel;
  let forward: Forward;
  let processor: Processor;
  let ids: (token: string) => number;
  const pair = dataset.pairs[0]!;

  beforeAll(async () => {
    engine = await createNodeEngine('wasm');
    tf = engine.transformers;
    fwd = await import('../../../workers/engine/forward.ts');
    blank = await import('../../../workers/engine/blankImage.ts');
    lm = await engine.loadModel(
      { source: { kind: 'path', path: dir }, device: 'wasm', dtype: 'fp32' },
      engine.host,
    );
    forward = lm.model as unknown as Forward;
    processor = lm.processor as unknown as Processor;
    ids = (token) => lm.processor.tokenizer!.convert_tokens_to_ids([token])[0] as number;
  });

  const chatText = (method: 'GD' | 'PS') =>
    lm.processor.apply_chat_template(buildConversation(method, pair, lm.family) as never, {
      add_generation_prompt: true,
    }) as unknown as string;

  async function imageOf(slot: 1 | 2): Promise<RawImage> {
    const image = await folderImageLoader(engine, IMAGES_DIR)(localIdOf(pair, slot));
    if (!image) throw new Error('fixture image missing');
    return image;
  }

  it('renders the ChatML prompt with the default system turn and the image block first', () => {
    const text = chatText('GD');
    expect(
      text.startsWith(
        '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n' +
          '<|vision_start|><|image_pad|><|vision_end|>',
      ),
    ).toBe(true);
    expect(text.endsWith('<|im_end|>\n<|im_start|>assistant\n')).toBe(true);
  });

  it('lays the image out as vision_start, grid product / merge² image pads, vision_end', async () => {
    const grids = new Set<string>();
    for (const p of dataset.pairs.slice(0, 10)) {
      for (const slot of [1, 2] as const) {
        const image = await folderImageLoader(engine, IMAGES_DIR)(localIdOf(p, slot));
        const inputs = await processor(chatText('GD'), image!);
        const tokens = fwd.idsOf(inputs);
        const [t, h, w] = (inputs.image_grid_thw!.tolist() as bigint[][])[0]!.map(Number) as [
          number,
          number,
          number,
        ];
        grids.add(`${h}x${w}`);
        const n = (t * h * w) / 4;
        expect(inputs.pixel_values!.dims).toEqual([t * h * w, 3 * 2 * 14 * 14]);
        const start = tokens.indexOf(ids('<|vision_start|>'));
        expect(tokens.filter((x) => x === ids('<|vision_start|>'))).toHaveLength(1);
        expect(tokens.slice(start + 1, start + 1 + n).every((x) => x === lm.imageTokenId)).toBe(true);
        expect(tokens[start + 1 + n]).toBe(ids('<|vision_end|>'));
        expect(tokens.filter((x) => x === lm.imageTokenId)).toHaveLength(n);
        expect(lm.adapter.imageTokens(lm, inputs, tokens)).toEqual({ tokens: n, crops: 1 });
        expect(lm.adapter.imageBlockEnd(lm, tokens)).toBe(start + 2 + n);
        expect(n).toBeGreaterThanOrEqual(16);
        expect(n).toBeLessThanOrEqual(64);
      }
    }
    // Images of other aspect ratios get other grids.
    expect(grids.size).toBeGreaterThan(3);
  });

  /** The GD prompt of `pair` on its first image, split after the image block. */
  async function splitPrompt() {
    const inputs = await processor(chatText('GD'), await imageOf(1));
    const all = fwd.idsOf(inputs);
    const prefix = lm.adapter.imageBlockEnd(lm, all);
    return { inputs, all, prefix, grid: inputs.image_grid_thw! };
  }

  it("gives a continuation the full sequence's rotary positions (not a 1-D count)", async () => {
    const { all, prefix, grid } = await splitPrompt();
    const model = lm.model as unknown as { get_rope_index(...a: unknown[]): [Tensor, Tensor] };
    const full = rows(model.get_rope_index(idsTensor(all), grid, null, ones(all.length))[0]);
    const { position_ids } = lm.adapter.continuationInputs(
      lm,
      all,
      all.length - prefix,
      fwd.pickImageInputs({ image_grid_thw: grid }),
    );
    expect(position_ids!.dims).toEqual([3, 1, all.length - prefix]);
    const cont = rows(position_ids!);
    for (let r = 0; r < 3; r++) expect(cont[r]).toEqual(full[r]!.slice(prefix));
    // The text after the image continues from the image's largest position + 1, far below its index.
    const imageMax = Math.max(...full.flatMap((row) => row.slice(0, prefix)));
    expect(cont[0]![0]).toBe(imageMax + 1);
    expect(cont[0]![0]).toBeLessThan(prefix - 10);
    // Image tokens have distinct height and width rows.
    const firstPad = all.indexOf(lm.imageTokenId);
    expect(full[1]!.slice(firstPad, prefix - 1)).not.toEqual(full[2]!.slice(firstPad, prefix - 1));
  });

  it('continues a cached prefix exactly; dropping its position ids (a 1-D continuation) changes the logits', async () => {
    const { inputs, all, prefix } = await splitPrompt();
    const reference = lastRow((await forward(inputs)).logits!);
    const prefixOut = await forward({
      input_ids: idsTensor(all.slice(0, prefix)),
      attention_mask: ones(prefix),
      ...fwd.pickImageInputs(inputs),
    });
    const cache = () => {
      const entries: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(prefixOut)) {
        const name = lm.adapter.cacheInputName(k);
        if (name) entries[name] = v;
      }
      return new tf.DynamicCache(entries);
    };
    const n = all.length - prefix;
    const continueWith = async (position_ids: Tensor) =>
      lastRow(
        (
          await forward({
            input_ids: idsTensor(all.slice(prefix)),
            attention_mask: ones(all.length),
            past_key_values: cache(),
            position_ids,
          })
        ).logits!,
      );
    const adapter = lm.adapter.continuationInputs(lm, all, n, fwd.pickImageInputs(inputs)).position_ids!;
    const oneD = BigInt64Array.from({ length: 3 * n }, (_, i) => BigInt(prefix + (i % n)));
    const cached = await continueWith(adapter);
    const plain = await continueWith(new tf.Tensor('int64', oneD, [3, 1, n]));
    console.log(
      `qwen2_vl continuation: adapter positions |Δlogit| ${maxAbsDiff(cached, reference).toExponential(2)}, ` +
        `1-D positions ${maxAbsDiff(plain, reference).toExponential(2)}`,
    );
    expect(maxAbsDiff(cached, reference)).toBeLessThan(1e-4);
    expect(maxAbsDiff(plain, reference)).toBeGreaterThan(1e-2);
  });

  it('uses every rotary row: shifting only the temporal, height or width positions of the image changes the logits', async () => {
    const { inputs, all, grid } = await splitPrompt();
    const model = lm.model as unknown as { get_rope_index(...a: unknown[]): [Tensor, Tensor] };
    const [positions] = model.get_rope_index(idsTensor(all), grid, null, ones(all.length));
    const reference = lastRow((await forward({ ...inputs, position_ids: positions })).logits!);
    expect(maxAbsDiff(reference, lastRow((await forward(inputs)).logits!))).toBe(0);
    const first = all.indexOf(lm.imageTokenId);
    const last = all.lastIndexOf(lm.imageTokenId);
    for (let r = 0; r < 3; r++) {
      // Shift row r over the image tokens only: the other rows and the text positions stay.
      const data = BigInt64Array.from(positions.data as BigInt64Array);
      for (let i = first; i <= last; i++) data[r * all.length + i] = data[r * all.length + i]! + 3n;
      const changed = lastRow(
        (await forward({ ...inputs, position_ids: new tf.Tensor('int64', data, [3, 1, all.length]) }))
          .logits!,
      );
      expect(maxAbsDiff(changed, reference), `row ${r}`).toBeGreaterThan(1e-3);
    }
  });

  it('makes the blind baseline a square the processor keeps, within min_pixels and max_pixels', async () => {
    const grey = blank.blankImageFor(lm);
    const pre = await readJson('preprocessor_config.json');
    expect(grey.width).toBe(grey.height);
    expect(grey.width % 28).toBe(0);
    expect(grey.width * grey.height).toBeGreaterThanOrEqual(pre.min_pixels);
    expect(grey.width * grey.height).toBeLessThanOrEqual(pre.max_pixels);
    type ImageProcessor = (i: RawImage) => Promise<{ reshaped_input_sizes: number[][] }>;
    const processed = await (lm.processor as unknown as { image_processor: ImageProcessor }).image_processor(
      grey,
    );
    expect(processed.reshaped_input_sizes[0]).toEqual([grey.height, grey.width]);
    // The real repo's limits (3136 … 12 845 056 pixels) give a 448 × 448 blank image, not one of
    // 12 845 056 pixels a side as reading them as edges would.
    const real = {
      ...lm,
      processor: {
        image_processor: {
          min_pixels: 3136,
          max_pixels: 12845056,
          config: { patch_size: 14, merge_size: 2 },
        },
      },
    };
    expect(lm.adapter.blankImageSize!(real as unknown as LoadedModel)).toEqual({ width: 448, height: 448 });
  });
});

describe('Qwen2-VL replica: every number format computes the same model', () => {
  it('gives last-position logits that follow fp32 (fp16 and q8 closely, the 4-bit decoder roughly)', async () => {
    const engine = await createNodeEngine('wasm');
    const pair = dataset.pairs[1]!;
    const image = (await folderImageLoader(engine, IMAGES_DIR)(localIdOf(pair, 1)))!;
    const rowsOf = async (dtype: (typeof QWEN2_VL_DTYPES)[number]) => {
      const lm = await engine.loadModel(
        { source: { kind: 'path', path: dir }, device: 'wasm', dtype: dtype as never },
        engine.host,
      );
      const text = lm.processor.apply_chat_template(buildConversation('GD', pair, lm.family) as never, {
        add_generation_prompt: true,
      }) as unknown as string;
      const inputs = await (lm.processor as unknown as Processor)(text, image);
      return lastRow((await (lm.model as unknown as Forward)(inputs)).logits!);
    };
    const correlation = (a: Float32Array, b: Float32Array) => {
      const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;
      const [ma, mb] = [mean(a), mean(b)];
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += (a[i]! - ma) * (b[i]! - mb);
        aa += (a[i]! - ma) ** 2;
        bb += (b[i]! - mb) ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    const [reference, ...others] = await Promise.all(QWEN2_VL_DTYPES.map(rowsOf));
    const minimum = QWEN2_VL_DTYPES.slice(1).map((d) => (typeof d === 'string' ? 0.99 : 0.9));
    const got = others.map((row) => correlation(row, reference!));
    console.log(`qwen2_vl logits correlation with fp32: ${got.map((c) => c.toFixed(4)).join(', ')}`);
    got.forEach((c, i) => expect(c).toBeGreaterThan(minimum[i]!));
  });
});
