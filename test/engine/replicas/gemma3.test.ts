// The Gemma 3 replicas (onnx-community/gemma-3-4b-it-ONNX and the MedGemma community export
// geeek/medgemma-4b-it-ONNX): the conformance suite, then what is Gemma's own: exactly one <bos>
// (the chat template's) where a plain processor call gives two, the image block
// <start_of_image> + 256 × <image_soft_token> + <end_of_image>, the template read from
// chat_template.jinja, decoder positions counted from 1 in the full and the cached path, and
// MedGemma's per-file dtype map (config.json's when the caller names none, or the caller's).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RawImage, Tensor } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConversation } from '../../../src/core/prompts.ts';
import type { CaseRequest } from '../../../src/core/run/vocabulary.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../../scripts/lib/nodeEngine.ts';
import {
  GEMMA3_REPLICA,
  MEDGEMMA_CONFIG_DTYPE,
  MEDGEMMA_FP32_VISION,
  MEDGEMMA_REPLICA,
} from '../../../scripts/fixtures/replicas/gemma3/index.ts';
import { GEMMA3_CHAT_TEMPLATE } from '../../../scripts/fixtures/replicas/gemma3/tokenizer.ts';
import type { LoadedModel } from '../../../workers/engine/loadModel.ts';
import type { LoadOptions } from '../../../workers/engine/protocol.ts';
import { IMAGES_DIR, officialDataset } from '../../support/fixtures.ts';
import { describeReplica, replicaDir, runReplica } from '../../support/replicaSuite.ts';

describeReplica({
  name: 'replica-gemma3',
  family: 'gemma3',
  dtypes: GEMMA3_REPLICA.dtypes,
  reusesPrefix: true,
});
describeReplica({
  name: 'replica-medgemma',
  family: 'gemma3',
  dtypes: MEDGEMMA_REPLICA.dtypes,
  reusesPrefix: true,
});

const pair = officialDataset().pairs[0]!;
type Ids = number[];
const idsOf = (inputs: Record<string, Tensor>): Ids =>
  Array.from(inputs.input_ids!.data as BigInt64Array, Number);

describe('Gemma 3 prompt layout and positions (replica-gemma3)', () => {
  let engine: NodeEngine;
  let lm: LoadedModel;
  let image: RawImage;
  let text: string;
  const id = (token: string) => lm.processor.tokenizer!.convert_tokens_to_ids([token])[0] as number;

  beforeAll(async () => {
    engine = await createNodeEngine('wasm');
    lm = await engine.loadModel(
      { source: { kind: 'path', path: replicaDir('replica-gemma3') }, device: 'wasm', dtype: 'fp32' },
      engine.host,
    );
    image = (await folderImageLoader(engine, IMAGES_DIR)(pair.im1Local))!;
    text = lm.processor.apply_chat_template(buildConversation('GD', pair, lm.family) as never, {
      add_generation_prompt: true,
    }) as unknown as string;
  });

  it('reads the real chat template from chat_template.jinja; it emits <bos> itself', () => {
    expect((lm.processor as unknown as { chat_template: string }).chat_template).toBe(GEMMA3_CHAT_TEMPLATE);
    expect(text.startsWith('<bos><start_of_turn>user\n<start_of_image>Based on the image')).toBe(true);
    expect(text.endsWith('<end_of_turn>\n<start_of_turn>model\n')).toBe(true);
  });

  it('yields exactly one <bos>, at position 0 (a plain processor call adds a second)', async () => {
    const bos = id('<bos>');
    const ids = idsOf(await lm.adapter.process(lm.processor, text, image));
    expect(ids[0]).toBe(bos);
    expect(ids.filter((x) => x === bos)).toHaveLength(1);
    // Without add_special_tokens: false the tokenizer's "<bos> $A" post-processor doubles it.
    const plain = idsOf(
      await (lm.processor as unknown as (t: string, i: RawImage) => Promise<Record<string, Tensor>>)(
        text,
        image,
      ),
    );
    expect(plain.slice(0, 2)).toEqual([bos, bos]);
    expect(plain.slice(1)).toEqual(ids);
  });

  it('expands the image into <start_of_image> + 256 image tokens + <end_of_image>', async () => {
    const inputs = await lm.adapter.process(lm.processor, text, image);
    const ids = idsOf(inputs);
    const boi = ids.indexOf(id('<start_of_image>'));
    expect(boi).toBeGreaterThan(0);
    expect(lm.processor.tokenizer!.decode(ids.slice(0, boi + 1))).toBe(
      '<bos><start_of_turn>user\n\n\n<start_of_image>',
    );
    expect(ids.slice(boi + 1, boi + 257)).toEqual(new Array(256).fill(lm.imageTokenId));
    expect(ids[boi + 257]).toBe(id('<end_of_image>'));
    expect(ids.filter((x) => x === lm.imageTokenId)).toHaveLength(256);
    expect(lm.imageTokenId).toBe(id('<image_soft_token>'));
    expect(lm.adapter.imageBlockEnd(lm, ids)).toBe(boi + 258);
    expect(lm.adapter.imageTokens(lm, inputs, ids)).toEqual({ tokens: 256, crops: 1 });
    // The replica leaves resizing to its vision encoder (scripts/fixtures/replicas/gemma3/files.ts).
    expect(inputs.pixel_values!.dims.slice(0, 2)).toEqual([1, 3]);
  });

  it('feeds the decoder positions counted from 1, in the full and in the cached path', async () => {
    const session = (lm.model as unknown as { sessions: Record<string, { run: (f: never) => unknown }> })
      .sessions['decoder_model_merged']!;
    const calls: { positions: number[]; past: number }[] = [];
    const run = session.run.bind(session);
    session.run = ((feeds: Record<string, { data: BigInt64Array; dims: number[] }>) => {
      calls.push({
        positions: Array.from(feeds.position_ids!.data, Number),
        past: feeds['past_key_values.0.key']!.dims[2]!,
      });
      return run(feeds as never);
    }) as typeof session.run;
    try {
      const requests: CaseRequest[] = [{ pairId: pair.id, slot: 1, method: 'GD' }];
      const count = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);
      await runReplica(engine, lm, requests, 'full');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.past).toBe(0);
      expect(calls[0]!.positions).toEqual(count(calls[0]!.positions.length, 1));
      calls.length = 0;
      await runReplica(engine, lm, requests, 'cached');
      expect(calls).toHaveLength(2);
      const [prefix, rest] = calls as [(typeof calls)[0], (typeof calls)[0]];
      expect(prefix.positions).toEqual(count(prefix.positions.length, 1));
      expect(rest.past).toBe(prefix.positions.length);
      expect(rest.positions).toEqual(count(rest.positions.length, prefix.positions.length + 1));
    } finally {
      session.run = run;
    }
  });
});

describe('MedGemma dtype maps (replica-medgemma)', () => {
  let engine: NodeEngine;
  const dir = replicaDir('replica-medgemma');
  const load = (source: string, dtype?: LoadOptions['dtype']) =>
    engine.loadModel(
      { source: { kind: 'path', path: source }, device: 'wasm', ...(dtype ? { dtype } : {}) },
      engine.host,
    );
  const onnxFiles = (lm: LoadedModel) => lm.info.files.filter((f) => f.endsWith('.onnx')).sort();
  const requests: CaseRequest[] = [{ pairId: pair.id, slot: 1, method: 'GD' }];

  beforeAll(async () => {
    engine = await createNodeEngine('wasm');
  });

  it('declares a per-file map in config.json and loads with it when the caller names no dtype', async () => {
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config['transformers.js_config'].dtype).toEqual(MEDGEMMA_CONFIG_DTYPE);
    const lm = await load(dir);
    expect(onnxFiles(lm)).toEqual([
      'onnx/decoder_model_merged_q4.onnx',
      'onnx/embed_tokens_q4.onnx',
      'onnx/vision_encoder_q4.onnx',
    ]);
    const { records } = await runReplica(engine, lm, requests, 'cached');
    expect(['A', 'B']).toContain(records[0]!.answer);
  });

  it("follows config.json's map, not a single dtype, when the map mixes precisions", async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'replica-medgemma-map-'));
    try {
      await cp(dir, copy, { recursive: true });
      const configPath = path.join(copy, 'config.json');
      const config = JSON.parse(await readFile(configPath, 'utf8'));
      config['transformers.js_config'] = { dtype: MEDGEMMA_FP32_VISION };
      await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
      const lm = await load(copy);
      expect(onnxFiles(lm)).toEqual([
        'onnx/decoder_model_merged_q4.onnx',
        'onnx/embed_tokens_q4.onnx',
        'onnx/vision_encoder.onnx',
      ]);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('loads the fp32 vision encoder with the q4 text parts when the caller asks for that map', async () => {
    const lm = await load(dir, MEDGEMMA_FP32_VISION as unknown as LoadOptions['dtype']);
    expect(onnxFiles(lm)).toEqual([
      'onnx/decoder_model_merged_q4.onnx',
      'onnx/embed_tokens_q4.onnx',
      'onnx/vision_encoder.onnx',
    ]);
    const { records } = await runReplica(engine, lm, requests, 'cached');
    expect(['A', 'B']).toContain(records[0]!.answer);
  });
});
