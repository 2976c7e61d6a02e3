// Two runs of the same model compared: flipped answers counted by hand on a crafted dataset, the
// agreement's Wilson interval and the McNemar p-value worked out by hand (arithmetic in the
// comments), b + c = 0, methods left out with the reason, and the runs that are refused.
import { describe, expect, it } from 'vitest';
import { comparisonText } from '../../../../src/core/results/comparisonTable.ts';
import {
  compareRuns,
  comparisonJson,
  type RunComparison,
} from '../../../../src/core/results/runComparison.ts';
import type { RunRecord } from '../../../../src/core/run/records.ts';
import { letterRulePromptHash } from '../../../../src/core/run/identity.ts';
import type { Answer, CaseRecord, Dataset, Method } from '../../../../src/core/types.ts';
import { makeDataset, makePair } from '../fixtures.ts';
import { makeRun } from './fixtures.ts';

function cases(
  method: Method,
  answers: Record<string, [Answer | undefined, Answer | undefined]>,
): CaseRecord[] {
  const out: CaseRecord[] = [];
  for (const [pairId, [a1, a2]] of Object.entries(answers)) {
    if (a1 !== undefined) out.push({ pairId, slot: 1, method, answer: a1 });
    if (a2 !== undefined) out.push({ pairId, slot: 2, method, answer: a2 });
  }
  return out;
}

function comparable(x: ReturnType<typeof compareRuns>): RunComparison {
  if (!x.comparable) throw new Error(`refused: ${x.reasons.join(' ')}`);
  return x;
}

// Six pairs; the right answers are (im1, im2) = (A, B) or (B, A).
const crafted: Dataset = makeDataset([
  makePair('p1', 'A', ['Cerebral'], ['Cerebral']),
  makePair('p2', 'B', ['Cerebral'], ['Cerebral']),
  makePair('p3', 'A', ['Cerebral'], ['Cerebral']),
  makePair('p4', 'A', ['Cerebral'], ['Cerebral']),
  makePair('p5', 'B', ['Cerebral'], ['Cerebral']),
  makePair('p6', 'A', ['Cerebral'], ['Cerebral']),
]);

const fp32 = makeRun('run-fp32', crafted, { label: 'fp32 run', dtype: 'fp32', methods: ['GD', 'PS', 'MC'] });
const q4 = makeRun('run-q4', crafted, { label: 'q4 run', dtype: 'q4', methods: ['GD', 'PS', 'MC'] });

const gdA = cases('GD', {
  p1: ['A', 'B'], // right
  p2: ['B', 'A'], // right
  p3: ['A', 'A'], // wrong
  p4: ['B', 'A'], // wrong
  p5: ['A', 'A'], // wrong
  p6: ['A', undefined], // image 2 not answered
});
const gdB = cases('GD', {
  p1: ['A', 'B'], // right, nothing flipped
  p2: ['B', 'B'], // wrong: image 2 flipped (b: right in A only)
  p3: ['A', 'B'], // right: image 2 flipped (c: right in B only)
  p4: ['A', 'B'], // right: both images flipped (c)
  p5: ['A', 'A'], // wrong in both
  p6: ['B', 'B'], // image 1 flipped; the pair is not in the paired test (A lacks image 2)
});
const allRight = Object.fromEntries(
  crafted.pairs.map((p) => [p.id, [p.im1Correct, p.im2Correct] as [Answer, Answer]]),
);
const mcA = cases('MC', allRight);
const mcB = cases('MC', { ...allRight, p1: [null, 'B'] }); // a letter against invalid is a flip

describe('compareRuns on a crafted dataset', () => {
  const c = comparable(
    compareRuns(
      { run: fp32, cases: [...gdA, ...cases('PS', allRight), ...mcA] },
      { run: q4, cases: [...gdB, ...cases('PS', allRight), ...mcB] },
      crafted,
    ),
  );
  const gd = c.methods.find((m) => m.method === 'GD')!;
  const ps = c.methods.find((m) => m.method === 'PS')!;
  const mc = c.methods.find((m) => m.method === 'MC')!;

  it('names the runs and the setting that differs', () => {
    expect(c.a).toMatchObject({ id: 'run-fp32', label: 'fp32 run' });
    expect(c.b).toMatchObject({ id: 'run-q4', label: 'q4 run' });
    expect(c.differences).toEqual([{ setting: 'dtype', a: 'fp32', b: 'q4' }]);
    expect(c.methods.map((m) => m.method)).toEqual(['GD', 'PS', 'MC']);
    expect(c.skipped).toEqual([]);
  });

  it('GD: counts flipped images, the pairs of the paired test, b and c by hand', () => {
    // Images answered in both: 5 pairs × 2 + p6 image 1 = 11; flipped: p2·2, p3·2, p4·1, p4·2, p6·1 = 5.
    expect(gd.casesCompared).toBe(11);
    expect(gd.casesFlipped).toBe(5);
    expect(gd.flippedPairIds).toEqual(['p2', 'p3', 'p4', 'p6']);
    // Paired test over p1–p5: A right on p1, p2 (2/5 = 40 %), B on p1, p3, p4 (3/5 = 60 %).
    expect(gd.pairsCompared).toBe(5);
    expect(gd.setAccuracyA).toBeCloseTo(40, 12);
    expect(gd.setAccuracyB).toBeCloseTo(60, 12);
    expect(gd.delta).toBeCloseTo(20, 12);
    // b = 1 (p2), c = 2 (p3, p4): p = min(1, 2 · P[X ≤ 1]), X ~ Bin(3, 1/2) = 2 · (1 + 3)/8 = 1.
    expect(gd.mcnemar).toEqual({ b: 1, c: 2, pValue: 1 });
    // Agreement 6/11: z²/n = 3.84145882/11 = 0.34922353; centre = (0.54545455 + 0.17461176) / 1.34922353
    // = 0.53368941; half = z / 1.34922353 · √(0.54545455 · 0.45454545 / 11 + 3.84145882 / 484)
    // = 1.45266069 · √(0.02253944 + 0.00793690) = 1.45266069 · 0.17457475 = 0.25359787
    // → [28.009154 %, 78.728728 %].
    expect(gd.agreement!.estimate).toBeCloseTo((6 / 11) * 100, 10);
    expect(gd.agreement!.lower).toBeCloseTo(28.009154, 5);
    expect(gd.agreement!.upper).toBeCloseTo(78.728728, 5);
  });

  it('PS: identical answers, b + c = 0, p = 1, agreement 100 % with lower bound n / (n + z²)', () => {
    expect(ps).toMatchObject({ casesCompared: 12, casesFlipped: 0, flippedPairIds: [], delta: 0 });
    expect(ps.mcnemar).toEqual({ b: 0, c: 0, pValue: 1 });
    // 12 / (12 + 3.84145882) = 0.75750599.
    expect(ps.agreement!.lower).toBeCloseTo(75.750599, 5);
    expect(ps.agreement!.upper).toBe(100);
  });

  it('MC: an invalid answer against a letter is a flip, and a wrong pair', () => {
    expect(mc).toMatchObject({ casesCompared: 12, casesFlipped: 1, flippedPairIds: ['p1'] });
    expect(mc.mcnemar).toEqual({ b: 1, c: 0, pValue: 1 }); // 2 · P[X ≤ 0], X ~ Bin(1, 1/2) = 1
  });

  it('prints the same numbers the JSON holds', () => {
    const text = comparisonText(c);
    expect(text).toContain('differs in: dtype fp32 → q4');
    expect(text).toMatch(
      /GD\s+11\s+5\s+54\.55 % \(28\.0–78\.7\)\s+40\.00 % → 60\.00 % \(5 pairs\)\s+\+20\.00\s+1\s+2\s+1\.000/,
    );
    const json = comparisonJson(c, crafted);
    expect(json).toMatchObject({ format: 'mediconfusion-run-comparison', version: 1 });
    expect((json.methods as unknown[]).length).toBe(3);
  });
});

describe('the paired test and the interval, worked by hand', () => {
  // Twelve pairs; run A right on every image, run B wrong on image 1 of the first six pairs.
  const pairs = Array.from({ length: 12 }, (_, i) =>
    makePair(`q${i + 1}`, i % 2 ? 'B' : 'A', ['Cerebral'], []),
  );
  const dataset = makeDataset(pairs);
  const right = Object.fromEntries(
    pairs.map((p) => [p.id, [p.im1Correct, p.im2Correct] as [Answer, Answer]]),
  );
  const wrongFirst = Object.fromEntries(
    pairs.map((p, i) => [p.id, [i < 6 ? p.im2Correct : p.im1Correct, p.im2Correct] as [Answer, Answer]]),
  );
  const a = makeRun('a', dataset, { dtype: 'fp32', methods: ['GD'], promptHashes: { GD: 'h' } });
  const b = makeRun('b', dataset, { dtype: 'q8', methods: ['GD'], promptHashes: { GD: 'h' } });
  const c = comparable(
    compareRuns({ run: a, cases: cases('GD', right) }, { run: b, cases: cases('GD', wrongFirst) }, dataset),
  );
  const gd = c.methods[0]!;

  it('b = 6, c = 0: p = 2 · P[X ≤ 0], X ~ Bin(6, 1/2) = 2/64 = 0.03125', () => {
    expect(gd.mcnemar.b).toBe(6);
    expect(gd.mcnemar.c).toBe(0);
    expect(gd.mcnemar.pValue).toBeCloseTo(0.03125, 12);
    // Set accuracy 12/12 = 100 % → 6/12 = 50 %: Δ = −50 points.
    expect(gd.setAccuracyA).toBe(100);
    expect(gd.setAccuracyB).toBe(50);
    expect(gd.delta).toBe(-50);
  });

  it('agreement 18/24 with its Wilson interval', () => {
    // p̂ = 0.75; z²/n = 3.84145882/24 = 0.16006078; 1 + z²/n = 1.16006078; z²/2n = 0.08003039.
    // centre = 0.83003039 / 1.16006078 = 0.71550595.
    // p̂(1 − p̂)/n = 0.1875/24 = 0.0078125; z²/4n² = 3.84145882/2304 = 0.00166730; √(0.00947980) = 0.09736426.
    // half = 1.95996398 / 1.16006078 · 0.09736426 = 1.68953559 · 0.09736426 = 0.16450039.
    // → [0.55100556, 0.88000634].
    expect(gd.casesCompared).toBe(24);
    expect(gd.casesFlipped).toBe(6);
    expect(gd.agreement!.estimate).toBe(75);
    expect(gd.agreement!.lower).toBeCloseTo(55.100556, 5);
    expect(gd.agreement!.upper).toBeCloseTo(88.000634, 5);
  });
});

describe('what may and may not differ', () => {
  const both = (x: RunRecord, y: RunRecord) =>
    compareRuns({ run: x, cases: gdA }, { run: y, cases: gdB }, crafted);
  const refusal = (x: RunRecord, y: RunRecord) => {
    const r = both(x, y);
    return r.comparable ? [] : r.reasons;
  };

  it('allows dtype, device and scoring mode, and lists each difference', () => {
    const other = {
      ...q4,
      device: 'wasm' as const,
      runCard: { ...q4.runCard, scoring: { modeRequested: 'cached', modeUsed: 'full' } },
    };
    const withScoring = {
      ...fp32,
      runCard: { ...fp32.runCard, scoring: { modeRequested: 'cached', modeUsed: 'cached' } },
    };
    const r = comparable(both({ ...withScoring, device: 'webgpu' }, other));
    expect(r.differences).toEqual([
      { setting: 'dtype', a: 'fp32', b: 'q4' },
      { setting: 'device', a: 'webgpu', b: 'wasm' },
      { setting: 'scoring mode', a: 'cached', b: 'full' },
    ]);
  });

  it("compares GD across letter rules: the other rule's GD hash is re-derived from the official run's", () => {
    const asWritten = {
      ...q4,
      dtype: 'fp32',
      letterRule: 'as-written' as const,
      promptHashes: { ...q4.promptHashes, GD: letterRulePromptHash(fp32.promptHashes.GD!, 'as-written') },
    };
    const r = comparable(both(fp32, asWritten));
    expect(r.differences).toEqual([{ setting: 'GD letter rule', a: 'official', b: 'as-written' }]);
    expect(r.methods.map((m) => m.method)).toContain('GD');
    // A GD hash that is not the official one under the other rule is another prompt.
    const other = { ...asWritten, promptHashes: { ...asWritten.promptHashes, GD: 'another-template' } };
    const refused = both(fp32, other);
    expect(refused.comparable ? [] : refused.reasons.join(' ')).toMatch(/GD: the GD prompts differ/);
  });

  it('refuses another model, revision, question set, engine version or image condition, with the reason', () => {
    expect(refusal(fp32, { ...q4, model: { ...q4.model, modelId: 'other/model' } })).toEqual([
      'They differ in model (HuggingFaceTB/SmolVLM-256M-Instruct vs other/model): only a scoring setting may differ.',
    ]);
    expect(refusal(fp32, { ...q4, model: { ...q4.model, revision: 'def456' } })[0]).toMatch(
      /differ in model revision \(abc123 vs def456\)/,
    );
    expect(refusal(fp32, { ...q4, datasetHash: 'another' })[0]).toMatch(/differ in question set/);
    expect(refusal(fp32, { ...q4, engineVersion: '2' })[0]).toMatch(/differ in engine version \(1 vs 2\)/);
    expect(refusal(fp32, { ...q4, imageCondition: 'blank' })[0]).toMatch(
      /differ in image condition \(real image vs blank image \(blind baseline\)\)/,
    );
    expect(refusal(fp32, fp32)).toEqual([
      'Choose two different runs: a run compared with itself has nothing to show.',
    ]);
  });

  it('refuses a run that does not record what must match (an imported file without a revision)', () => {
    const imported = {
      ...q4,
      imported: true,
      model: { ...q4.model, revision: '' },
      runCard: { importedFrom: { kind: 'csv', fileName: 'x.csv', unknownFields: ['model.revision'] } },
    };
    expect(refusal(fp32, imported)).toEqual([
      '“q4 run” does not record its model revision, so the runs cannot be shown to share it.',
    ]);
  });

  it('leaves out a method whose prompts differ or that one run lacks, and refuses when none is left', () => {
    const r = comparable(
      compareRuns(
        { run: fp32, cases: [...gdA, ...mcA] },
        { run: { ...q4, promptHashes: { ...q4.promptHashes, MC: 'other-mc' } }, cases: [...gdB, ...mcB] },
        crafted,
      ),
    );
    expect(r.methods.map((m) => m.method)).toEqual(['GD']);
    expect(r.skipped).toEqual([
      { method: 'PS', reason: 'no image has a PS answer in both runs' },
      { method: 'MC', reason: 'the MC prompts differ (hash-mc vs other-mc)' },
    ]);
    const none = compareRuns(
      { run: { ...fp32, methods: ['GD'] }, cases: gdA },
      { run: { ...q4, methods: ['MC'] }, cases: mcB },
      crafted,
    );
    expect(none.comparable).toBe(false);
    expect(!none.comparable && none.reasons).toEqual([
      'They share no method with answers to the same images and the same prompt.',
      'GD: “q4 run” has no GD answers.',
      'MC: “fp32 run” has no MC answers.',
    ]);
  });
});
