// replica-smolvlm (HuggingFaceTB/SmolVLM-256M-Instruct as published): the conformance suite on every
// dtype the replica ships, plus what is particular to SmolVLM as the hub serves it: image splitting
// at the real size / max_image_size ratio (crops per image worked out by hand from the processor
// config, at the replica's scale and at the real one), the token layout of a split image's block,
// the special tokens at their real ids, and quantised decoders that are really quantised.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Processor, Tensor } from '@huggingface/transformers';
import type * as OnnxProtoModule from 'onnx-proto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../../src/core/types.ts';
import type { LoadedModel } from '../../../workers/engine/loadModel.ts';
import { createNodeEngine, type NodeEngine } from '../../../scripts/lib/nodeEngine.ts';
import type { Linear } from '../../../scripts/fixtures/decoderGraph.ts';
import { DataType, GraphBuilder } from '../../../scripts/fixtures/onnx.ts';
import { gaussianArray } from '../../../scripts/fixtures/random.ts';
import {
  dequantize4,
  dequantize8,
  q4Linear,
  q8Linear,
  quantize4,
  quantize8,
} from '../../../scripts/fixtures/replicas/quantize.ts';
import { IMAGES_DIR, officialDataset } from '../../support/fixtures.ts';
import { describeReplica, replicaDir, runReplica } from '../../support/replicaSuite.ts';

const NAME = 'replica-smolvlm';
const DIR = replicaDir(NAME);

describeReplica({
  name: NAME,
  family: 'smolvlm',
  dtypes: ['fp32', 'fp16', 'q8', 'q4', 'q4f16'],
  reusesPrefix: true,
});

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof OnnxProtoModule;

/** The real ids (SmolVLM-256M-Instruct config.json, generation_config.json, added_tokens.json). */
const REAL = {
  vocab: 49280,
  globalImg: 49152,
  rowCol: (r: number, c: number) => 49152 + (r - 1) * 6 + c,
  fakeAroundImage: 49189,
  image: 49190,
  endOfUtterance: 49279,
};
const IMAGE_SEQ_LEN = 16;

describe('replica-smolvlm: SmolVLM as the hub serves it', () => {
  let engine: NodeEngine;
  let lm: LoadedModel;
  let processor: Processor;

  beforeAll(async () => {
    engine = await createNodeEngine('wasm');
    lm = await engine.loadModel(
      { source: { kind: 'path', path: DIR }, device: 'wasm', dtype: 'fp32' },
      engine.host,
    );
    processor = lm.processor;
  });

  const chat = (text: string) =>
    (processor as unknown as { apply_chat_template: (m: unknown, o: unknown) => string }).apply_chat_template(
      [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text }] }],
      { add_generation_prompt: true },
    );
  const processImage = async (localId: number, text = 'Is this normal?') => {
    const image = await engine.transformers.RawImage.read(path.join(IMAGES_DIR, `${localId}.jpg`));
    const inputs = await lm.adapter.process(processor, chat(text), image);
    const ids = Array.from((inputs.input_ids as Tensor).data as BigInt64Array, Number);
    return { image, inputs, ids };
  };

  it('has the real processor configuration: splitting on, size / max_image_size = 2048 / 512', async () => {
    const pre = JSON.parse(await readFile(path.join(DIR, 'preprocessor_config.json'), 'utf8'));
    expect(pre).toMatchObject({
      image_processor_type: 'Idefics3ImageProcessor',
      do_image_splitting: true,
      do_resize: true,
      resample: 1,
      size: { longest_edge: 128 },
      max_image_size: { longest_edge: 32 },
    });
    expect(pre.size.longest_edge / pre.max_image_size.longest_edge).toBe(2048 / 512);
    const proc = JSON.parse(await readFile(path.join(DIR, 'processor_config.json'), 'utf8'));
    expect(proc).toEqual({ image_seq_len: IMAGE_SEQ_LEN, processor_class: 'Idefics3Processor' });
  });

  // Idefics3ImageProcessor: resize so the longest edge is size.longest_edge (128), then round each
  // side up to a multiple of max_image_size (32); the image is cut into (h/32) × (w/32) crops and a
  // 32 × 32 global view is added. At the real scale (2048, 512) the same image gives the same grid.
  //   20015.jpg, 391 × 93:  128 × floor(93·128/391 = 30.4) = 128 × 30 → 128 × 32 → 1 row × 4 cols
  //                         real: 2048 × floor(93·2048/391 = 487.1) → 2048 × 512 → 1 × 4
  //                         → 4 crops + global = 5 views, 5 × 16 = 80 image tokens
  //   20000.jpg, 183 × 158: 128 × floor(158·128/183 = 110.5) = 128 × 110 → 128 × 128 → 4 × 4
  //                         real: 2048 × floor(158·2048/183 = 1768.2) → 2048 × 2048 → 4 × 4
  //                         → 16 crops + global = 17 views, 17 × 16 = 272 image tokens
  it.each([
    [20015, 391, 93, 1, 4],
    [20000, 183, 158, 4, 4],
  ])('image %i (%i × %i) becomes %i × %i crops plus the global view', async (id, w, h, rows, cols) => {
    const { image, inputs, ids } = await processImage(id);
    expect([image.width, image.height]).toEqual([w, h]);
    const views = rows * cols + 1;
    expect((inputs.pixel_values as Tensor).dims).toEqual([1, views, 3, 32, 32]);
    expect(lm.adapter.imageTokens(lm, inputs, ids)).toEqual({ tokens: views * IMAGE_SEQ_LEN, crops: views });
  });

  // The speed issue's count: this engine encodes every crop of every unique image exactly once (one
  // vision-encoder call per image), the official way once per prompt and per PS option. Crops per
  // image by hand from its size (the rule worked out above), not from the processor.
  it('encodes unique images × their crops exactly once; the official way once per prompt', async () => {
    const chosen = officialDataset().pairs.slice(0, 6); // 12 slots, 8 unique images
    const requests = chosen.flatMap((p) =>
      ([1, 2] as const).flatMap((slot) =>
        (['GD', 'PS', 'MC'] as const).map((method) => ({ pairId: p.id, slot, method })),
      ),
    );
    const viewsOf = async (localId: string) => {
      const { width, height } = await sharp(path.join(IMAGES_DIR, `${localId}.jpg`)).metadata();
      const long = Math.max(width!, height!);
      const side = (x: number) => Math.ceil((x === long ? 128 : Math.floor((x * 128) / long)) / 32);
      return side(width!) * side(height!) + 1;
    };
    const slots = chosen.flatMap((p) => [p.im1Local, p.im2Local]);
    const unique = [...new Set(slots)];
    expect(unique).toHaveLength(8);
    const views = new Map(await Promise.all(unique.map(async (id) => [id, await viewsOf(id)] as const)));
    const cached = await runReplica(engine, lm, requests, 'cached');
    expect(cached.outcome.counters.visionEncoderRuns).toBe(unique.length);
    expect(cached.outcome.counters.cropsEncoded).toBe(unique.reduce((a, id) => a + views.get(id)!, 0));
    // Official way: GD once, PS once per option, MC's generate() once — 4 encodes per slot.
    const full = await runReplica(engine, lm, requests, 'full');
    expect(full.outcome.counters.cropsEncoded).toBe(slots.reduce((a, id) => a + 4 * views.get(id)!, 0));
    expect(full.outcome.counters.visionEncoderRuns).toBe(4 * slots.length);
  });

  it('lays a split image out as the real processor does: <row_r_col_c> crops, then the global view', async () => {
    const { ids } = await processImage(20015);
    const tokenizer = processor.tokenizer!;
    const text = (t: string) => Array.from(tokenizer.encode(t, { add_special_tokens: false }) as number[]);
    const block: number[] = [];
    for (let c = 1; c <= 4; c++) {
      block.push(REAL.fakeAroundImage, REAL.rowCol(1, c), ...Array<number>(IMAGE_SEQ_LEN).fill(REAL.image));
    }
    block.push(...text('\n\n'), REAL.fakeAroundImage, REAL.globalImg);
    block.push(...Array<number>(IMAGE_SEQ_LEN).fill(REAL.image), REAL.fakeAroundImage);
    const start = ids.indexOf(REAL.fakeAroundImage);
    expect(ids.slice(0, start)).toEqual(text('<|im_start|>User:'));
    expect(ids.slice(start, start + block.length)).toEqual(block);
    // The cached prefix ends right after the global view's closing token.
    expect(lm.adapter.imageBlockEnd(lm, ids)).toBe(start + block.length);
    expect(tokenizer.decode(ids.slice(start, start + 2))).toBe('<fake_token_around_image><row_1_col_1>');
    // Rows are separated by one newline, and the last row by two, before the global view.
    const four = (await processImage(20000)).ids;
    const rowStarts = [1, 2, 3, 4].map((r) => four.indexOf(REAL.rowCol(r, 1)));
    expect(four.slice(rowStarts[1]! - 1 - text('\n').length, rowStarts[1]! - 1)).toEqual(text('\n'));
    expect(four.filter((t) => t === REAL.globalImg)).toHaveLength(1);
    expect(four.filter((t) => t >= REAL.rowCol(1, 1) && t <= REAL.rowCol(6, 6))).toHaveLength(16);
  });

  it('puts the image token, <global-img>, <fake_token_around_image> and eos at their real ids', async () => {
    const ids = processor.tokenizer!.convert_tokens_to_ids([
      '<global-img>',
      '<row_1_col_1>',
      '<row_6_col_6>',
      '<fake_token_around_image>',
      '<image>',
      '<end_of_utterance>',
    ]);
    expect(ids).toEqual([
      REAL.globalImg,
      REAL.rowCol(1, 1),
      REAL.rowCol(6, 6),
      REAL.fakeAroundImage,
      REAL.image,
      REAL.endOfUtterance,
    ]);
    expect(lm.imageTokenId).toBe(REAL.image);
    expect([...lm.eosIds]).toEqual([REAL.endOfUtterance]);
    expect([...lm.endOfTurnIds]).toEqual([REAL.endOfUtterance]);
    expect(lm.info.vocabSize).toBe(REAL.vocab);
    expect(lm.info.imageTokenCount).toBe(IMAGE_SEQ_LEN);
    const session = (lm.model as unknown as { sessions: Record<string, { outputMetadata: unknown[] }> })
      .sessions['decoder_model_merged']!;
    const logits = session.outputMetadata.find((m) => (m as { name: string }).name === 'logits') as {
      shape: (number | string)[];
    };
    expect(logits.shape.at(-1)).toBe(REAL.vocab);
  });

  const decoderNodes = async (suffix: string) => {
    const bytes = await readFile(path.join(DIR, 'onnx', `decoder_model_merged${suffix}.onnx`));
    return onnx.ModelProto.decode(bytes);
  };
  const LINEAR_WEIGHTS = 2 * 7 + 1; // q, k, v, o, gate, up, down per layer + lm_head

  it('stores the q8 decoder weights as int8, multiplied by MatMulInteger (dynamic quantisation)', async () => {
    const model = await decoderNodes('_quantized');
    const ops = model.graph!.node!.map((n) => n.opType);
    expect(ops.filter((o) => o === 'MatMulInteger')).toHaveLength(LINEAR_WEIGHTS);
    expect(ops.filter((o) => o === 'DynamicQuantizeLinear')).toHaveLength(LINEAR_WEIGHTS);
    const inits = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
    expect(inits.get('layers.0.q_proj_quantized')?.dataType).toBe(onnx.TensorProto.DataType.INT8);
    expect(inits.has('layers.0.q_proj')).toBe(false);
    // No float matrix is left: every MatMul multiplies two activations (attention).
    for (const n of model.graph!.node!.filter((x) => x.opType === 'MatMul')) {
      expect(n.input!.some((i) => inits.has(i))).toBe(false);
    }
  });

  it('stores the q4 decoder weights as 4-bit blocks of 32, multiplied by com.microsoft MatMulNBits', async () => {
    const model = await decoderNodes('_q4');
    const nbits = model.graph!.node!.filter((n) => n.opType === 'MatMulNBits');
    expect(nbits).toHaveLength(LINEAR_WEIGHTS);
    for (const n of nbits) {
      expect(n.domain).toBe('com.microsoft');
      const attr = Object.fromEntries(n.attribute!.map((a) => [a.name, Number(a.i)]));
      expect(attr).toMatchObject({ bits: 4, block_size: 32 });
    }
    expect(model.opsetImport!.map((o) => o.domain)).toContain('com.microsoft');
    const inits = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
    expect(inits.get('layers.0.q_proj_Q4')?.dataType).toBe(onnx.TensorProto.DataType.UINT8);
    expect(inits.get('layers.0.q_proj_Q4')?.dims?.map(Number)).toEqual([64, 2, 16]);
    expect(inits.has('layers.0.q_proj')).toBe(false);
  });

  // DynamicQuantizeLinear as the ONNX spec defines it: uint8, range including 0, round half to even.
  const dynamicQuantize = (x: Float32Array) => {
    const even = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
    const lo = Math.min(0, ...x);
    const scale = Math.fround((Math.max(0, ...x) - lo) / 255);
    const zero = Math.max(0, Math.min(255, even(-lo / scale)));
    return Float32Array.from(x, (v) => (Math.max(0, Math.min(255, even(v / scale) + zero)) - zero) * scale);
  };

  it.each([
    [
      'q8 int8 (MatMulInteger)',
      q8Linear('int8'),
      (w: Float32Array) => dequantize8(quantize8(w, 'int8')),
      true,
    ],
    [
      'q8 uint8 (MatMulInteger)',
      q8Linear('uint8'),
      (w: Float32Array) => dequantize8(quantize8(w, 'uint8')),
      true,
    ],
    ['q4 (MatMulNBits)', q4Linear, (w: Float32Array) => dequantize4(quantize4(w, 48, 24), 48, 24), false],
  ] as const)(
    '%s computes x · W with the weights it stores, dequantised by the operator',
    async (_label, linear: Linear, stored, quantisesActivations) => {
      const ort = await import('onnxruntime-web');
      const [S, K, N] = [5, 48, 24];
      const W = gaussianArray('quantise-test/w', K * N, 1);
      const x = gaussianArray('quantise-test/x', S * K, 1);
      const b = new GraphBuilder(DataType.FLOAT);
      b.output('y', linear(b, b.input('x', DataType.FLOAT, [1, S, K]), 'w', W, [K, N]), DataType.FLOAT, [
        1,
        S,
        N,
      ]);
      const session = await ort.InferenceSession.create(
        b.encode({ opset: 17, producer: 'test', graphName: 'linear', docString: '' }),
        { executionProviders: ['wasm'] },
      );
      const y = (await session.run({ x: new ort.Tensor('float32', x, [1, S, K]) })).y!.data as Float32Array;
      const w = stored(W);
      const xs = quantisesActivations ? dynamicQuantize(x) : x;
      let fromStored = 0;
      let fromFloat = 0;
      for (let s = 0; s < S; s++) {
        for (let n = 0; n < N; n++) {
          let ref = 0;
          let exact = 0;
          for (let k = 0; k < K; k++) {
            ref += xs[s * K + k]! * w[k * N + n]!;
            exact += x[s * K + k]! * W[k * N + n]!;
          }
          fromStored = Math.max(fromStored, Math.abs(y[s * N + n]! - ref));
          fromFloat = Math.max(fromFloat, Math.abs(y[s * N + n]! - exact));
        }
      }
      expect(fromStored).toBeLessThan(1e-4);
      expect(fromFloat).toBeGreaterThan(1e-2);
    },
  );

  it('quantised decoders answer GD like fp32 on most cases, with probabilities that differ', async () => {
    const dataset = officialDataset();
    const pairIds = dataset.pairs.slice(0, 10).map((p) => p.id);
    const requests = pairIds.flatMap((pairId) =>
      ([1, 2] as const).map((slot) => ({ pairId, slot, method: 'GD' as const })),
    );
    const gd = async (dtype: 'fp32' | 'q8' | 'q4') => {
      const variant =
        dtype === 'fp32'
          ? lm
          : await engine.loadModel(
              { source: { kind: 'path', path: DIR }, device: 'wasm', dtype },
              engine.host,
            );
      return (await runReplica(engine, variant, requests, 'cached')).records;
    };
    const key = (r: CaseRecord) => `${r.pairId}/${r.slot}`;
    const reference = new Map((await gd('fp32')).map((r) => [key(r), r]));
    for (const dtype of ['q8', 'q4'] as const) {
      const records = await gd(dtype);
      let agree = 0;
      let maxDiff = 0;
      for (const r of records) {
        const ref = reference.get(key(r))!;
        if (r.answer === ref.answer) agree++;
        maxDiff = Math.max(maxDiff, Math.abs(r.probabilities!.A - ref.probabilities!.A));
      }
      console.log(
        `${NAME} ${dtype} vs fp32 GD: ${agree}/${records.length} answers agree, max |Δp(A)| = ${maxDiff.toExponential(2)}`,
      );
      expect(agree / records.length).toBeGreaterThanOrEqual(0.8);
      // Really quantised: the answers move by more than float rounding would move them.
      expect(maxDiff).toBeGreaterThan(1e-3);
    }
    const answers = [...reference.values()].map((r) => r.answer);
    console.log(`${NAME} fp32 GD answers: ${answers.filter((a) => a === 'A').length} A / ${answers.length}`);
  });
});
