// The command-line run: a full 352-case GD+PS+MC evaluation of the generated model completes,
// writes per-case records, metrics and the official results files, and the official score file
// agrees with the metrics.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { IMAGES_DIR, TINY_MODEL_DIR } from '../support/fixtures.ts';

const run = promisify(execFile);
let outDir = '';

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

it('runs all 352 cases with GD, PS and MC and writes the official files', async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'eval-'));
  const out = path.join(outDir, 'tiny.json');
  const { stdout } = await run(
    'npx',
    [
      'tsx',
      'scripts/eval.ts',
      '--model',
      TINY_MODEL_DIR,
      '--images',
      IMAGES_DIR,
      '--methods',
      'gd,ps,mc',
      '--out',
      out,
      '--quiet',
    ],
    { maxBuffer: 1 << 24 },
  );
  expect(stdout).toContain('1056/1056 cases');
  const result = JSON.parse(await readFile(out, 'utf8'));
  expect(result.records).toHaveLength(1056);
  expect(result.notRun).toEqual([]);
  expect(result.counters.visionEncoderRuns).toBe(228);
  // SmolVLM's prefix reuse is proven: the run card says the cached way ran, with no fallback.
  expect(result.runCard.scoring).toEqual({ modeRequested: 'cached', modeUsed: 'cached' });
  expect(result.runCard.runId).toMatch(/^[0-9a-f]{16}$/);
  for (const m of ['GD', 'PS', 'MC']) expect(result.metrics[m].counts.pairsRun).toBe(176);
  // The model's own image similarity, from those 228 encodes: every pair, and per method its rank
  // correlation with answered alike, in the output and on the terminal (not in the official files).
  expect(result.modelSimilarity.pairs).toHaveLength(176);
  for (const p of result.modelSimilarity.pairs) expect(Math.abs(p.similarity)).toBeLessThanOrEqual(1);
  expect(
    new Set(result.modelSimilarity.pairs.map((p: { similarity: number }) => p.similarity)).size,
  ).toBeGreaterThan(100);
  for (const m of ['GD', 'PS', 'MC']) {
    const s = result.modelSimilarity.byMethod[m];
    // The confusion denominator and numerator: pairs with both answers valid, and those alike.
    expect(s.pairs).toBe(result.metrics[m].counts.validPairs);
    expect(s.confusedPairs).toBe(result.metrics[m].counts.confusedPairs);
    expect(stdout).toContain(`${m}: the model's image similarity against answered alike:`);
  }

  const files = (await readdir(outDir)).sort();
  expect(files).toEqual(
    [
      'tiny-smolvlm_greedy.json',
      'tiny-smolvlm_greedy_score.json',
      'tiny-smolvlm_mc.json',
      'tiny-smolvlm_mc_score.json',
      'tiny-smolvlm_prefix.json',
      'tiny-smolvlm_prefix_score.json',
      'tiny.json',
    ].sort(),
  );
  const score = JSON.parse(await readFile(path.join(outDir, 'tiny-smolvlm_greedy_score.json'), 'utf8'));
  expect(score.set_score.total / 1.76).toBeCloseTo(result.metrics.GD.setAccuracy, 9);
  expect(score.individual_score.total / 1.76 / 2).toBeCloseTo(result.metrics.GD.individualAccuracy, 9);
  const answersText = await readFile(path.join(outDir, 'tiny-smolvlm_prefix.json'), 'utf8');
  const answers = JSON.parse(answersText);
  expect(Object.keys(answers)).toHaveLength(176);
  expect(answersText).not.toContain('similarity');
});

it('runs a full FF evaluation with the generated judge and the blind baseline, keeping raw texts and the baseline figures', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'eval-ff-'));
  try {
    const out = path.join(dir, 'ff.json');
    const judge = path.join(path.dirname(TINY_MODEL_DIR), 'tiny-judge');
    const args = ['--methods', 'gd,ps,ff', '--judge', judge, '--blind', '--quiet'];
    const { stdout } = await run(
      'npx',
      ['tsx', 'scripts/eval.ts', '--model', TINY_MODEL_DIR, '--images', IMAGES_DIR, '--out', out, ...args],
      { maxBuffer: 1 << 24 },
    );
    expect(stdout).toContain('1056/1056 cases');
    const result = JSON.parse(await readFile(out, 'utf8'));
    const ff = result.records.filter((r: { method: string }) => r.method === 'FF');
    expect(ff).toHaveLength(352);
    for (const r of ff) {
      expect(typeof r.generatedText).toBe('string');
      expect(typeof r.judge.rawText).toBe('string');
      expect(r.judge.rawText.length).toBeGreaterThan(0);
    }
    expect(result.runCard.judge.modelId).toBe('tiny-judge');
    expect(result.blind.records).toHaveLength(704);
    expect(Object.keys(result.blind.baseline).sort()).toEqual(['GD', 'PS']);
    expect(result.blind.baseline.GD.casesCompared).toBe(352);
    const official = JSON.parse(await readFile(path.join(dir, 'tiny-smolvlm_gpt4.json'), 'utf8'));
    expect(Object.keys(official)).toHaveLength(176);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
