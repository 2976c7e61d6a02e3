// Image preprocessing as part of a run: the model's default leaves every existing run id as it was,
// single view is a run of its own (and so is its blind sibling), single view is refused for a model
// that never splits, the views measured per image become a range in words, and the run card reads
// back what a run recorded (and shows it, with what it means for comparing with the paper).
import { describe, expect, it } from 'vitest';
import { stableHash } from '../../../../src/core/hash.ts';
import { familyById } from '../../../../src/core/modelFamilies.ts';
import { buildRunCard, imageViewsOf, preprocessingOf } from '../../../../src/core/results/runCard.ts';
import {
  blindIdentity,
  ENGINE_VERSION,
  runIdentity,
  RunSetupError,
  type RunSetup,
} from '../../../../src/core/run/identity.ts';
import {
  describeImageViews,
  imageViewRange,
  runPreprocessing,
  singleViewUnavailable,
  type ModelPreprocessing,
} from '../../../../src/core/run/preprocessing.ts';
import { runCardEntries } from '../../../../src/ui/results/runCardEntries.ts';
import { officialDataset } from '../fixtures.ts';
import { makeRun } from '../results/fixtures.ts';

/** SmolVLM-256M-Instruct's preprocessor_config.json as the engine reads it. */
const SPLIT = {
  do_image_splitting: true,
  do_resize: true,
  'size.longest_edge': 2048,
  'max_image_size.longest_edge': 512,
};
const smolvlm: ModelPreprocessing = { default: SPLIT, singleView: { ...SPLIT, do_image_splitting: false } };
const qwen: ModelPreprocessing = {
  default: { do_resize: true, min_pixels: 3136, max_pixels: 12845056 },
  singleView: null,
  singleViewUnavailable: 'Qwen2-VL does not split images: every image is already one view.',
};

const setup: RunSetup = {
  datasetHash: 'd1',
  modelId: 'HuggingFaceTB/SmolVLM-256M-Instruct',
  revision: 'main',
  dtype: 'q8',
  device: 'wasm',
  family: familyById('smolvlm'),
  methods: ['GD', 'PS'],
};
/** The run id formula before preprocessing was recorded: stored runs were filed under it. */
const before = stableHash({
  datasetHash: 'd1',
  modelId: 'HuggingFaceTB/SmolVLM-256M-Instruct',
  revision: 'main',
  dtype: 'q8',
  device: 'wasm',
  engineVersion: ENGINE_VERSION,
});

describe('preprocessing in the run identity', () => {
  it('leaves the run id and the blind run id unchanged for the model’s default preprocessing', () => {
    const plain = runIdentity(setup);
    const withDefault = runIdentity({ ...setup, preprocessing: runPreprocessing(smolvlm, 'default') });
    expect(plain.runId).toBe(before);
    expect(withDefault.runId).toBe(before);
    expect(withDefault.key.preprocessing).toBeUndefined();
    expect(withDefault.preprocessing).toEqual({ choice: 'default', settings: SPLIT, modelDefault: true });
    expect(blindIdentity(withDefault)!.runId).toBe(stableHash({ ...plain.key, imageCondition: 'blank' }));
  });

  it('gives single view its own run id, blind sibling and settings in the key', () => {
    const main = runIdentity({ ...setup, preprocessing: runPreprocessing(smolvlm, 'single-view') });
    expect(main.runId).not.toBe(before);
    expect(main.key.preprocessing).toEqual({ ...SPLIT, do_image_splitting: false });
    expect(main.preprocessing).toMatchObject({ choice: 'single-view', modelDefault: false });
    // The prompts are the same: only the images differ.
    expect(main.promptHashes).toEqual(runIdentity(setup).promptHashes);
    const blind = blindIdentity(main)!;
    expect(blind.runId).not.toBe(blindIdentity(runIdentity(setup))!.runId);
    expect(blind.preprocessing).toEqual(main.preprocessing);
  });

  it('refuses single view for a model that never splits, with the reason', () => {
    expect(singleViewUnavailable(qwen)).toBe(qwen.singleViewUnavailable);
    expect(singleViewUnavailable(smolvlm)).toBeNull();
    expect(() => runPreprocessing(qwen, 'single-view')).toThrow(RunSetupError);
    expect(() => runPreprocessing(qwen, 'single-view')).toThrow(/Qwen2-VL does not split images/);
    expect(() => runPreprocessing(undefined, 'single-view')).toThrow(/did not report/);
    expect(runPreprocessing(undefined, 'default')).toBeNull();
  });
});

describe('image views per image', () => {
  it('is a range in words over the images measured', () => {
    // SmolVLM-256M at 2048 / 512: a 630 × 420 image is 12 crops + the global view, 512 × 512 is 16 + 1.
    const range = imageViewRange({
      a: { tokens: 832, crops: 13 },
      b: { tokens: 1088, crops: 17 },
      c: { tokens: 1088, crops: 17 },
    })!;
    expect(range).toEqual({ images: 3, tokens: { min: 832, max: 1088 }, crops: { min: 13, max: 17 } });
    expect(describeImageViews(range)).toBe('13–17 views per image, 832–1088 image tokens');
    const single = imageViewRange({ a: { tokens: 64, crops: 1 }, b: { tokens: 64, crops: 1 } })!;
    expect(describeImageViews(single)).toBe('1 view per image, 64 image tokens');
    expect(imageViewRange({})).toBeNull();
  });
});

describe('preprocessing in the run card', () => {
  const card = (runCard: Record<string, unknown>) => {
    const run = makeRun('p', officialDataset, { runCard });
    const built = buildRunCard(run, officialDataset, null);
    const entries = runCardEntries(built);
    const entry = (term: string) => entries.find((e) => e.term === term)?.details;
    return {
      built,
      preprocessing: entry('Image preprocessing'),
      views: entry('Image views'),
      other: entry('Other settings') ?? [],
    };
  };

  it('shows the preprocessing, what it means for the paper, and the views measured', () => {
    const single = card({
      preprocessing: runPreprocessing(smolvlm, 'single-view'),
      imageViewsByImage: { 1: { tokens: 64, crops: 1 }, 2: { tokens: 64, crops: 1 } },
    });
    expect(single.built.preprocessing).toMatchObject({ choice: 'single-view', modelDefault: false });
    expect(single.built.imageViews).toEqual({
      images: 2,
      tokens: { min: 64, max: 64 },
      crops: { min: 1, max: 1 },
    });
    expect(single.preprocessing).toEqual([
      'Single view (image splitting off)',
      'do_image_splitting false, do_resize true, size.longest_edge 2048, max_image_size.longest_edge 512',
      expect.stringMatching(/^not comparable with the paper’s Table 1/),
    ]);
    expect(single.views).toEqual(['1 view per image, 64 image tokens (measured over 2 images)']);
    // Under their own terms only.
    expect(single.other.some((l) => l.startsWith('preprocessing') || l.startsWith('imageViews'))).toBe(false);

    const split = card({
      preprocessing: runPreprocessing(smolvlm, 'default'),
      imageViewsByImage: { 1: { tokens: 832, crops: 13 }, 2: { tokens: 1088, crops: 17 } },
    });
    expect(split.preprocessing![0]).toBe('Model default');
    expect(split.preprocessing![2]).toMatch(/as published \(what the paper’s models used\)/);
    expect(split.views).toEqual(['13–17 views per image, 832–1088 image tokens (measured over 2 images)']);
  });

  it('says "not recorded" for runs without it, and keeps a malformed record visible as recorded', () => {
    const none = card({});
    expect(none.built.preprocessing).toBeNull();
    expect(none.built.imageViews).toBeNull();
    expect(none.preprocessing).toEqual(['not recorded']);
    expect(none.views).toEqual(['not recorded']);
    const bad = card({ preprocessing: { choice: 'sideways' }, imageViewsByImage: { 1: { tokens: 'x' } } });
    expect(bad.preprocessing).toEqual(['not recorded']);
    expect(bad.other).toContain('preprocessing: {"choice":"sideways"}');
    expect(preprocessingOf(makeRun('q', officialDataset, { runCard: { preprocessing: 3 } }))).toBeNull();
    expect(imageViewsOf(makeRun('q', officialDataset, { runCard: { imageViewsByImage: [] } }))).toEqual({});
  });
});
