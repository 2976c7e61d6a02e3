// `npm run compare` on two real evaluations: the SmolVLM replica in fp32 and in q4 on ten pairs
// (GD, PS), each run by `npm run eval`. The printed table and the JSON it writes hold the flipped
// answers, agreement and McNemar counts recounted here from the two files' records; a run of
// another model is refused with the reason and exit status 1.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcnemarExact, wilsonInterval } from '../../src/core/statistics.ts';
import type { CaseRecord } from '../../src/core/types.ts';
import { IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { replicaDir } from '../support/replicaSuite.ts';

const exec = promisify(execFile);
const PAIRS = 10;
let dir = '';

async function evaluate(model: string, dtype: string, out: string): Promise<void> {
  const args = ['tsx', 'scripts/eval.ts', '--model', model, '--images', IMAGES_DIR, '--dtype', dtype];
  args.push('--methods', 'gd,ps', '--pairs', String(PAIRS), '--out', out, '--quiet');
  await exec('npx', args, { maxBuffer: 1 << 24 });
}

/** The comparison recounted from two files' records, independently of core/results. */
function recount(a: CaseRecord[], b: CaseRecord[], method: 'GD' | 'PS') {
  const key = (r: CaseRecord) => `${r.pairId}/${r.slot}`;
  const answersB = new Map(b.filter((r) => r.method === method).map((r) => [key(r), r.answer]));
  const ofA = a.filter((r) => r.method === method);
  const flipped = ofA.filter((r) => answersB.get(key(r)) !== r.answer);
  const pairs = officialDataset().pairs.slice(0, PAIRS);
  const right = (records: CaseRecord[], id: string, c1: string, c2: string) => {
    const get = (slot: number) =>
      records.find((r) => r.method === method && r.pairId === id && r.slot === slot);
    return get(1)?.answer === c1 && get(2)?.answer === c2;
  };
  let onlyA = 0;
  let onlyB = 0;
  for (const p of pairs) {
    const x = right(a, p.id, p.im1Correct, p.im2Correct);
    const y = right(b, p.id, p.im1Correct, p.im2Correct);
    if (x && !y) onlyA++;
    if (!x && y) onlyB++;
  }
  return {
    compared: ofA.length,
    flipped: flipped.length,
    flippedPairs: [...new Set(flipped.map((r) => r.pairId))],
    onlyA,
    onlyB,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'compare-'));
  await evaluate(replicaDir('replica-smolvlm'), 'fp32', path.join(dir, 'fp32.json'));
  await evaluate(replicaDir('replica-smolvlm'), 'q4', path.join(dir, 'q4.json'));
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run compare', () => {
  it('prints and writes the comparison of fp32 and q4', async () => {
    const out = path.join(dir, 'comparison.json');
    const { stdout } = await exec(
      'npx',
      ['tsx', 'scripts/compare.ts', path.join(dir, 'fp32.json'), path.join(dir, 'q4.json'), '--out', out],
      { maxBuffer: 1 << 24 },
    );
    console.log(stdout);
    expect(stdout).toContain('differs in: dtype fp32 → q4');
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(json).toMatchObject({ format: 'mediconfusion-run-comparison', version: 1 });
    expect(json.differences).toEqual([{ setting: 'dtype', a: 'fp32', b: 'q4' }]);
    const a = JSON.parse(await readFile(path.join(dir, 'fp32.json'), 'utf8')).records as CaseRecord[];
    const b = JSON.parse(await readFile(path.join(dir, 'q4.json'), 'utf8')).records as CaseRecord[];
    let anyFlipped = 0;
    for (const method of ['GD', 'PS'] as const) {
      const m = json.methods.find((x: { method: string }) => x.method === method);
      const r = recount(a, b, method);
      anyFlipped += r.flipped;
      expect(m).toMatchObject({
        casesCompared: PAIRS * 2,
        casesFlipped: r.flipped,
        flippedPairIds: r.flippedPairs,
        pairsCompared: PAIRS,
        mcnemar: mcnemarExact(r.onlyA, r.onlyB),
      });
      const w = wilsonInterval(r.compared - r.flipped, r.compared);
      expect(m.agreement.lower).toBeCloseTo(w.lower * 100, 10);
      expect(m.agreement.upper).toBeCloseTo(w.upper * 100, 10);
      expect(m.delta).toBeCloseTo(((r.onlyB - r.onlyA) / PAIRS) * 100, 10);
      // The printed row says the same: method, images compared, flipped.
      expect(stdout).toMatch(new RegExp(`^${method}\\s+${PAIRS * 2}\\s+${r.flipped}\\s`, 'm'));
    }
    // 4-bit weights change some answers of the random-weight replica (README: 18/20 GD agree).
    expect(anyFlipped).toBeGreaterThan(0);
  });

  it('refuses runs of two different models, saying why', async () => {
    await evaluate(TINY_MODEL_DIR, 'fp32', path.join(dir, 'tiny.json'));
    const failed = await exec('npx', [
      'tsx',
      'scripts/compare.ts',
      path.join(dir, 'fp32.json'),
      path.join(dir, 'tiny.json'),
    ]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/cannot be compared/);
    expect(failed?.stderr).toMatch(/differ in model \(replica-smolvlm vs tiny-smolvlm\)/);
  });
});
