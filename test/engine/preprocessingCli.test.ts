// `npm run eval` with the image preprocessing recorded: on the split SmolVLM replica the run card
// names the model's own preprocessing and the views measured per image (5–17), under the run id it
// had before preprocessing was recorded; `--single-view` is a run of its own (another run id) whose
// card shows one view per image and says it is not comparable with the paper; a model that never
// splits refuses `--single-view` with the reason.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableHash } from '../../src/core/hash.ts';
import { IMAGES_DIR, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { replicaDir } from '../support/replicaSuite.ts';

const exec = promisify(execFile);
const SPLIT = {
  do_image_splitting: true,
  do_resize: true,
  'size.longest_edge': 128,
  'max_image_size.longest_edge': 32,
};
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'eval-preprocessing-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function evaluate(model: string, name: string, extra: string[] = []) {
  const out = path.join(dir, `${name}.json`);
  const args = ['tsx', 'scripts/eval.ts', '--model', model, '--images', IMAGES_DIR, '--methods', 'gd'];
  args.push('--pairs', '10', '--out', out, '--quiet', ...extra);
  const { stdout } = await exec('npx', args, { maxBuffer: 1 << 24 });
  return { stdout, result: JSON.parse(await readFile(out, 'utf8')) };
}

describe('npm run eval on the split SmolVLM replica', () => {
  it('records the model default preprocessing and the views per image, then single view as its own run', async () => {
    const split = await evaluate(replicaDir('replica-smolvlm'), 'split');
    const card = split.result.runCard;
    expect(card.preprocessing).toEqual({
      choice: 'default',
      settings: SPLIT,
      modelDefault: true,
      comparability: expect.stringMatching(/as published/),
    });
    expect(card.imageViews).toEqual({
      images: 14,
      tokens: { min: 80, max: 272 },
      crops: { min: 5, max: 17 },
    });
    expect(card.imageViewsByImage['20014']).toEqual({ tokens: 144, crops: 9 });
    expect(new Set(Object.values(card.imageViewsByImage).map((c) => (c as { crops: number }).crops))).toEqual(
      new Set([5, 9, 13, 17]),
    );
    expect(split.stdout).toContain('preprocessing: model default: do_image_splitting true');
    expect(split.stdout).toContain('5–17 views per image, 80–272 image tokens over 14 images');
    // The model's own preprocessing keeps the run id of the formula stored runs were filed under.
    const { dataset, model, device, dtype, engineVersion } = card;
    expect(card.runId).toBe(
      stableHash({
        datasetHash: dataset.hash,
        modelId: model.id,
        revision: model.revision,
        dtype,
        device,
        engineVersion,
      }),
    );

    const single = await evaluate(replicaDir('replica-smolvlm'), 'single', ['--single-view']);
    const s = single.result.runCard;
    expect(s.runId).not.toBe(card.runId);
    expect(s.preprocessing).toEqual({
      choice: 'single-view',
      settings: { ...SPLIT, do_image_splitting: false },
      modelDefault: false,
      comparability: expect.stringMatching(/^not comparable with the paper’s Table 1/),
    });
    expect(s.imageViews).toEqual({ images: 14, tokens: { min: 16, max: 16 }, crops: { min: 1, max: 1 } });
    expect(single.stdout).toContain('1 view per image, 16 image tokens over 14 images');
    expect(single.result.counters.visionEncoderRuns).toBe(14);
  });

  it('refuses --single-view for a model whose processor never splits, with the reason', async () => {
    const failed = await evaluate(TINY_MODEL_DIR, 'tiny', ['--single-view']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('Single view is not available');
    expect(failed?.stderr).toContain('do_image_splitting false');
  });
});
