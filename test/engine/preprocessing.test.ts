// Image preprocessing on the real engine and the generated replicas: the split SmolVLM replica
// (do_image_splitting true at the real 2048 / 512 ratio) reports the settings its repo configures,
// every image becomes the 5, 9, 13 or 17 views worked out by hand from its size, and "single view"
// (splitting off for one run) makes every image one view, scores from those pixels (cached equal to
// full), and leaves the processor as it was. Families that never split say so; LFM2-VL's tiling
// turns off the same way.
import type { RawImage } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import type { CaseRequest } from '../../src/core/run/vocabulary.ts';
import type { CaseRecord } from '../../src/core/types.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import type { RunOutcome } from '../../workers/engine/protocol.ts';
import type { ImageLoader, RunOptions } from '../../workers/engine/runner.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { compareRecords, IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { replicaDir } from '../support/replicaSuite.ts';

const dataset = officialDataset();
const pairsById = new Map(dataset.pairs.map((p) => [p.id, p]));
const requestsOf = (count: number, method: CaseRequest['method'] = 'GD'): CaseRequest[] =>
  dataset.pairs
    .slice(0, count)
    .flatMap((p) => ([1, 2] as const).map((slot) => ({ pairId: p.id, slot, method })));

/** The replica's preprocessor_config.json (SmolVLM-256M's 2048 / 512, scaled to 128 / 32). */
const SPLIT = {
  do_image_splitting: true,
  do_resize: true,
  'size.longest_edge': 128,
  'max_image_size.longest_edge': 32,
};
const IMAGE_SEQ_LEN = 16;

let engine: NodeEngine;
const loaded: LoadedModel[] = [];

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
});

afterAll(async () => {
  for (const lm of loaded) await lm.model.dispose();
});

async function load(dir: string): Promise<LoadedModel> {
  const lm = await engine.loadModel(
    { source: { kind: 'path', path: dir }, device: 'wasm', dtype: 'fp32' },
    engine.host,
  );
  loaded.push(lm);
  return lm;
}

async function run(
  lm: LoadedModel,
  requests: CaseRequest[],
  opts: Partial<RunOptions> = {},
  images: ImageLoader = folderImageLoader(engine, IMAGES_DIR),
): Promise<{ records: CaseRecord[]; outcome: RunOutcome }> {
  const records: CaseRecord[] = [];
  const outcome = await engine.runCases(
    lm,
    pairsById,
    imageGroupsOf(requests, pairsById),
    images,
    { mode: 'cached', ...opts, onRecord: (r) => void records.push(r) },
    engine.createScorer(lm),
  );
  return { records, outcome };
}

describe('the split SmolVLM replica', () => {
  let lm: LoadedModel;
  let split: { records: CaseRecord[]; outcome: RunOutcome };

  beforeAll(async () => {
    lm = await load(replicaDir('replica-smolvlm'));
    split = await run(lm, requestsOf(10));
  });

  it('reports the preprocessing its repo configures, and what single view changes', () => {
    expect(lm.info.preprocessing).toEqual({
      default: SPLIT,
      singleView: { ...SPLIT, do_image_splitting: false },
    });
  });

  // Idefics3ImageProcessor: the long edge is scaled to 128, each side rounded up to a multiple of
  // 32, cut into (h/32) × (w/32) crops, plus one global view (the same grid at 2048 / 512):
  //   20027,  56 × 284: 128 × 25.2 → 128 × 32  → 4 × 1 crops + global =  5 views
  //   20014, 119 × 316: 128 × 48.2 → 128 × 64  → 4 × 2 crops + global =  9 views
  //   20069, 236 × 349: 128 × 86.6 → 128 × 96  → 4 × 3 crops + global = 13 views
  //   20081,  55 ×  60: 117.3 × 128 → 128 × 128 → 4 × 4 crops + global = 17 views
  it('measures 5, 9, 13 or 17 views per image, as worked out by hand, 16 image tokens each', () => {
    const views = split.outcome.imageViews!;
    expect(views['20027']).toEqual({ crops: 5, tokens: 5 * IMAGE_SEQ_LEN });
    expect(views['20014']).toEqual({ crops: 9, tokens: 9 * IMAGE_SEQ_LEN });
    expect(views['20069']).toEqual({ crops: 13, tokens: 13 * IMAGE_SEQ_LEN });
    expect(views['20081']).toEqual({ crops: 17, tokens: 17 * IMAGE_SEQ_LEN });
    const images = new Set(dataset.pairs.slice(0, 10).flatMap((p) => [p.im1Local, p.im2Local]));
    expect(Object.keys(views).sort()).toEqual([...images].sort());
    for (const c of Object.values(views)) {
      expect([5, 9, 13, 17]).toContain(c.crops);
      expect(c.tokens).toBe(c.crops * IMAGE_SEQ_LEN);
    }
    expect(split.outcome.preprocessing).toEqual({ choice: 'default', settings: SPLIT, modelDefault: true });
    expect(split.outcome.counters.visionEncoderRuns).toBe(images.size);
  });

  it('measures the same views when every prompt is recomputed in full', async () => {
    const full = await run(lm, requestsOf(2), { mode: 'full' });
    for (const [id, c] of Object.entries(full.outcome.imageViews!))
      expect(c).toEqual(split.outcome.imageViews![id]);
  });

  it('single view: one view of 16 tokens per image, its own answers, cached equal to full, processor restored', async () => {
    const single = await run(lm, requestsOf(10), { preprocessing: 'single-view' });
    expect(single.outcome.preprocessing).toEqual({
      choice: 'single-view',
      settings: { ...SPLIT, do_image_splitting: false },
      modelDefault: false,
    });
    const views = Object.values(single.outcome.imageViews!);
    expect(views).toHaveLength(Object.keys(split.outcome.imageViews!).length);
    for (const c of views) expect(c).toEqual({ crops: 1, tokens: IMAGE_SEQ_LEN });
    expect(single.outcome.counters.visionEncoderRuns).toBe(views.length);
    // The model saw other pixels: its probabilities differ from the split run's.
    const c = compareRecords(single.records, split.records);
    expect(c.maxProbDiff).toBeGreaterThan(1e-3);

    // Single view through the official full recomputation gives the same numbers.
    const cached = await run(lm, requestsOf(3, 'PS'), { preprocessing: 'single-view' });
    const full = await run(lm, requestsOf(3, 'PS'), { preprocessing: 'single-view', mode: 'full' });
    const agreement = compareRecords(cached.records, full.records);
    expect(agreement.answerMismatches).toEqual([]);
    expect(agreement.maxProbDiff).toBeLessThan(1e-4);

    // The loaded model splits again afterwards.
    expect(
      (lm.processor.image_processor as unknown as { do_image_splitting: boolean }).do_image_splitting,
    ).toBe(true);
    const again = await run(lm, requestsOf(1));
    expect(Object.keys(again.outcome.imageViews!)).toHaveLength(2);
    for (const [id, c] of Object.entries(again.outcome.imageViews!))
      expect(c).toEqual(split.outcome.imageViews![id]);
  });

  it('the blank image of the blind baseline is split too, or one view in single view', async () => {
    const blank = await run(lm, requestsOf(1), { imageCondition: 'blank' });
    const blankSingle = await run(lm, requestsOf(1), {
      imageCondition: 'blank',
      preprocessing: 'single-view',
    });
    expect(Object.keys(blank.outcome.imageViews!)).toEqual(['blank']);
    expect(blank.outcome.imageViews!.blank!.crops).toBeGreaterThan(1);
    expect(blankSingle.outcome.imageViews).toEqual({ blank: { crops: 1, tokens: IMAGE_SEQ_LEN } });
  });
});

describe('families and models that never split', () => {
  it('Qwen2-VL records its pixel bounds and refuses single view with the reason', async () => {
    const lm = await load(replicaDir('replica-qwen2-vl'));
    expect(lm.info.preprocessing).toEqual({
      default: { do_resize: true, min_pixels: 12544, max_pixels: 50176 },
      singleView: null,
      singleViewUnavailable: 'Qwen2-VL does not split images: every image is already one view.',
    });
    await expect(run(lm, requestsOf(1), { preprocessing: 'single-view' })).rejects.toThrow(
      /does not split images/,
    );
    const { outcome } = await run(lm, requestsOf(1));
    for (const c of Object.values(outcome.imageViews!)) expect(c.crops).toBe(1);
  });

  it('a SmolVLM folder whose config turns splitting off offers no single view, and says why', async () => {
    const lm = await load(TINY_MODEL_DIR);
    expect(lm.info.preprocessing!.default).toMatchObject({ do_image_splitting: false });
    expect(lm.info.preprocessing!.singleView).toBeNull();
    expect(lm.info.preprocessing!.singleViewUnavailable).toMatch(
      /does not split images \(do_image_splitting false/,
    );
  });

  it('LFM2-VL: a wide image is tiles plus a thumbnail by default, one view in single view', async () => {
    const lm = await load(replicaDir('replica-lfm2-vl'));
    expect(lm.info.preprocessing!.default).toMatchObject({
      do_image_splitting: true,
      min_tiles: 2,
      max_tiles: 10,
    });
    expect(lm.info.preprocessing!.singleView).toMatchObject({ do_image_splitting: false });
    const wide: ImageLoader = async () => {
      const data = new Uint8ClampedArray(320 * 160 * 3);
      for (let i = 0; i < data.length; i++) data[i] = (i * 37 + Math.floor(i / 97)) % 256;
      return new engine.transformers.RawImage(data, 320, 160, 3) as RawImage;
    };
    const tiled = await run(lm, requestsOf(1), {}, wide);
    const single = await run(lm, requestsOf(1), { preprocessing: 'single-view' }, wide);
    for (const c of Object.values(tiled.outcome.imageViews!)) expect(c).toEqual({ tokens: 42, crops: 3 });
    for (const c of Object.values(single.outcome.imageViews!)) expect(c.crops).toBe(1);
  });
});
