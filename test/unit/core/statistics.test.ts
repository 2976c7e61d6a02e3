import { describe, expect, it } from 'vitest';
import {
  binomialPmf,
  binomialTest,
  bootstrapConfidenceIntervals,
  logGamma,
  mcnemarExact,
  mulberry32,
  quantile,
  wilsonInterval,
  Z_95,
} from '../../../src/core/statistics.ts';
import { computeMetrics } from '../../../src/core/metrics.ts';
import { makeDataset, makePair, officialDataset, randomAnswers } from './fixtures.ts';

describe('mulberry32', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(124)()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('quantile', () => {
  it('interpolates linearly like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([0, 10], 0.025)).toBeCloseTo(0.25, 12);
  });
});

describe('bootstrapConfidenceIntervals', () => {
  const answers = randomAnswers(officialDataset, mulberry32(5), 0.05);

  it('is reproducible for a seed and changes with the seed', () => {
    const a = bootstrapConfidenceIntervals(officialDataset, answers, { iterations: 500, seed: 9 });
    const b = bootstrapConfidenceIntervals(officialDataset, answers, { iterations: 500, seed: 9 });
    const c = bootstrapConfidenceIntervals(officialDataset, answers, { iterations: 500, seed: 10 });
    expect(b).toEqual(a);
    expect(c.setAccuracy).not.toEqual(a.setAccuracy);
  });

  it('brackets the point estimate, which equals computeMetrics', () => {
    const r = bootstrapConfidenceIntervals(officialDataset, answers);
    const m = computeMetrics(officialDataset, answers);
    expect(r).toMatchObject({ iterations: 2000, seed: 1, level: 0.95, pairs: 176 });
    expect(r.setAccuracy.estimate).toBeCloseTo(m.setAccuracy, 10);
    expect(r.individualAccuracy.estimate).toBeCloseTo(m.individualAccuracy, 10);
    for (const ci of [r.setAccuracy, r.individualAccuracy]) {
      expect(ci.lower).toBeLessThanOrEqual(ci.estimate);
      expect(ci.upper).toBeGreaterThanOrEqual(ci.estimate);
      expect(ci.upper - ci.lower).toBeGreaterThan(0);
      expect(ci.upper - ci.lower).toBeLessThan(25);
    }
  });

  it('narrows with a lower level', () => {
    const wide = bootstrapConfidenceIntervals(officialDataset, answers, { level: 0.99 });
    const narrow = bootstrapConfidenceIntervals(officialDataset, answers, { level: 0.5 });
    expect(narrow.setAccuracy.upper - narrow.setAccuracy.lower).toBeLessThan(
      wide.setAccuracy.upper - wide.setAccuracy.lower,
    );
  });

  it('gives a zero-width interval when every pair is alike, and zeros when nothing ran', () => {
    const d = makeDataset([
      makePair('1', 'A', ['Cerebral'], ['Spinal']),
      makePair('2', 'B', ['Spinal'], ['Spinal']),
    ]);
    const allRight = new Map([
      ['1', { 1: 'A' as const, 2: 'B' as const }],
      ['2', { 1: 'B' as const, 2: 'A' as const }],
    ]);
    const r = bootstrapConfidenceIntervals(d, allRight, { iterations: 50 });
    expect(r.setAccuracy).toEqual({ estimate: 100, lower: 100, upper: 100 });
    expect(bootstrapConfidenceIntervals(d, new Map()).pairs).toBe(0);
    expect(() => bootstrapConfidenceIntervals(d, allRight, { iterations: 0 })).toThrow(RangeError);
    expect(() => bootstrapConfidenceIntervals(d, allRight, { level: 1 })).toThrow(RangeError);
  });
});

/** Exact tail probabilities for Binomial(n, 1/4) as rationals: C(n,i)·3^(n-i) / 4^n, in BigInt. */
function exactQuarter(n: number) {
  const num: bigint[] = [];
  let c = 1n;
  for (let i = 0; i <= n; i++) {
    num.push(c * 3n ** BigInt(n - i));
    c = (c * BigInt(n - i)) / BigInt(i + 1);
  }
  const den = 4n ** BigInt(n);
  // x / den as a double: scale so the integer quotient keeps ~64 significant bits.
  const toFloat = (x: bigint) => {
    if (x === 0n) return 0;
    const e = den.toString(2).length - x.toString(2).length + 64;
    return Number((x << BigInt(e)) / den) * 2 ** -e;
  };
  return {
    greater: (k: number) => toFloat(num.slice(k).reduce((s, x) => s + x, 0n)),
    twoSided: (k: number) => toFloat(num.filter((x) => x <= (num[k] as bigint)).reduce((s, x) => s + x, 0n)),
  };
}

describe('binomialTest', () => {
  const relClose = (a: number, b: number, tol = 1e-10) =>
    expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * b);

  it('matches a brute-force exact BigInt computation for n = 176, p = 1/4', () => {
    const exact = exactQuarter(176);
    for (const k of [0, 10, 27, 30, 44, 50, 60, 100, 176]) {
      const r = binomialTest(k, 176, 0.25);
      relClose(r.pValueGreater, exact.greater(k));
      relClose(r.pValueTwoSided, Math.min(1, exact.twoSided(k)));
    }
  });

  it('matches scipy.stats.binomtest values', () => {
    // scipy 1.17: binomtest(k, n, p, alternative='greater').pvalue and the two-sided pvalue
    const cases: [number, number, number, number, number][] = [
      [44, 176, 0.25, 0.5289108641227571, 1.0],
      [60, 176, 0.25, 0.004368636329693328, 0.006834738074328802],
      [30, 176, 0.25, 0.9955982537377016, 0.014539731917823182],
      [27, 176, 0.25, 0.9993132130575387, 0.002263033623078601],
      [3, 10, 0.5, 0.9453125, 0.34375],
      [7, 20, 0.3, 0.3919901877990756, 0.6294979666766769],
    ];
    for (const [k, n, p, greater, twoSided] of cases) {
      const r = binomialTest(k, n, p);
      relClose(r.pValueGreater, greater, 1e-9);
      relClose(r.pValueTwoSided, twoSided, 1e-9);
    }
  });

  it('handles edges and rejects bad input', () => {
    expect(binomialTest(0, 0, 0.25)).toEqual({ pValueGreater: 1, pValueTwoSided: 1 });
    expect(binomialTest(0, 5, 0)).toEqual({ pValueGreater: 1, pValueTwoSided: 1 });
    expect(binomialTest(5, 5, 1).pValueGreater).toBe(1);
    expect(() => binomialTest(5, 4)).toThrow(RangeError);
    expect(() => binomialTest(1.5, 4)).toThrow(RangeError);
    expect(() => binomialTest(1, 4, 1.5)).toThrow(RangeError);
  });

  it('pmf sums to one and logGamma matches factorials', () => {
    let s = 0;
    for (let i = 0; i <= 176; i++) s += binomialPmf(i, 176, 0.25);
    expect(s).toBeCloseTo(1, 12);
    expect(Math.exp(logGamma(11))).toBeCloseTo(3628800, 5);
    expect(logGamma(177)).toBeCloseTo(
      Array.from({ length: 176 }, (_, i) => Math.log(i + 1)).reduce((a, b) => a + b, 0),
      9,
    );
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
  });
});

describe('wilsonInterval (95 %, z = 1.959963984540054, z² = 3.8414588206941)', () => {
  it('18 of 20, worked by hand', () => {
    // p̂ = 18/20 = 0.9; z²/n = 0.19207294; 1 + z²/n = 1.19207294; z²/2n = 0.09603647.
    // centre = (0.9 + 0.09603647) / 1.19207294 = 0.99603647 / 1.19207294 = 0.83554994.
    // p̂(1 − p̂)/n = 0.09/20 = 0.0045; z²/4n² = 3.84145882/1600 = 0.00240091; √(0.00690091) = 0.08307173.
    // half = z / 1.19207294 · 0.08307173 = 1.64416448 · 0.08307173 = 0.13658358.
    // → [0.83554994 − 0.13658358, 0.83554994 + 0.13658358] = [0.69896635, 0.97213352].
    const w = wilsonInterval(18, 20);
    expect(w.estimate).toBe(0.9);
    expect(w.lower).toBeCloseTo(0.69896635, 7);
    expect(w.upper).toBeCloseTo(0.97213352, 7);
  });

  it('all agree: the lower bound is n / (n + z²), the upper 1', () => {
    // p̂ = 1: centre = (1 + z²/2n)/(1 + z²/n), half = z/(1 + z²/n) · z/2n = (z²/2n)/(1 + z²/n),
    // so lower = 1/(1 + z²/n) = n/(n + z²) = 10/13.84145882 = 0.72246720, upper = 1.
    const w = wilsonInterval(10, 10);
    expect(w.lower).toBeCloseTo(10 / (10 + Z_95 * Z_95), 12);
    expect(w.lower).toBeCloseTo(0.7224672, 7);
    expect(w.upper).toBe(1);
  });

  it('none agree: the upper bound is z² / (n + z²), the lower 0', () => {
    // p̂ = 0, n = 5: upper = (z²/10 + z²/10)/(1 + z²/5) = z²/(5 + z²) = 3.84145882/8.84145882 = 0.43448246.
    const w = wilsonInterval(0, 5);
    expect(w.lower).toBe(0);
    expect(w.upper).toBeCloseTo(0.43448246, 7);
  });

  it('rejects an empty sample and impossible counts', () => {
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(6, 5)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 5)).toThrow(RangeError);
  });
});

describe('mcnemarExact: p = min(1, 2 · P[X ≤ min(b, c)]), X ~ Bin(b + c, 1/2)', () => {
  it('b = 1, c = 4: 2 · (C(5,0) + C(5,1)) / 2⁵ = 2 · 6/32 = 0.375', () => {
    expect(mcnemarExact(1, 4)).toEqual({ b: 1, c: 4, pValue: expect.closeTo(0.375, 12) });
    expect(mcnemarExact(4, 1).pValue).toBeCloseTo(0.375, 12);
  });

  it('b = 0, c = 6: 2 · 1/2⁶ = 0.03125', () => {
    expect(mcnemarExact(0, 6).pValue).toBeCloseTo(0.03125, 12);
  });

  it('b = 2, c = 10: 2 · (1 + 12 + 66) / 4096 = 158/4096 = 0.03857421875', () => {
    expect(mcnemarExact(2, 10).pValue).toBeCloseTo(0.03857421875, 12);
  });

  it('b = c = 3: 2 · (1 + 6 + 15 + 20)/64 = 1.3125, capped at 1', () => {
    expect(mcnemarExact(3, 3).pValue).toBe(1);
  });

  it('b + c = 0 (no discordant pair): p = 1', () => {
    expect(mcnemarExact(0, 0)).toEqual({ b: 0, c: 0, pValue: 1 });
  });

  it('rejects negative or fractional counts', () => {
    expect(() => mcnemarExact(-1, 2)).toThrow(RangeError);
    expect(() => mcnemarExact(1, 2.5)).toThrow(RangeError);
  });
});

describe('mcnemarExact on large samples', () => {
  it('agrees with the log-space binomial beyond the exact recurrence', () => {
    // n = 1200 > 1000 takes binomialPmf; n = 1000 the recurrence: both against the two-sided binomial test.
    for (const [b, c] of [
      [480, 520],
      [580, 620],
    ] as const) {
      expect(mcnemarExact(b, c).pValue).toBeCloseTo(binomialTest(b, b + c, 0.5).pValueTwoSided, 9);
    }
  });
});
