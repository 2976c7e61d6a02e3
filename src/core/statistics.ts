// Uncertainty for a run: seeded bootstrap confidence intervals over pairs (the unit the benchmark
// samples) and an exact binomial test against random guessing (25 % of pairs right by chance); and
// for two runs of the same questions: the Wilson score interval of a proportion (their agreement)
// and the exact McNemar test of paired correctness.

import { completePairs } from './metrics.ts';
import type { Dataset, PairAnswers } from './types.ts';

/** mulberry32: small, fast, seedable PRNG giving floats in [0, 1); same seed → same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ConfidenceInterval {
  estimate: number;
  lower: number;
  upper: number;
}

export interface BootstrapResult {
  setAccuracy: ConfidenceInterval;
  individualAccuracy: ConfidenceInterval;
  iterations: number;
  level: number;
  seed: number;
  /** Pairs resampled (those with both images answered). */
  pairs: number;
}

/** Quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Percentile bootstrap CIs for set and individual accuracy, resampling complete pairs with replacement. */
export function bootstrapConfidenceIntervals(
  dataset: Dataset,
  answers: PairAnswers,
  options: { iterations?: number; seed?: number; level?: number } = {},
): BootstrapResult {
  const iterations = options.iterations ?? 2000;
  const seed = options.seed ?? 1;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new RangeError('iterations must be a positive integer');
  if (!(level > 0 && level < 1)) throw new RangeError('level must be between 0 and 1');

  const complete = completePairs(dataset, answers);
  const n = complete.length;
  // Per pair: both right (0/1) and images right (0..2); the accuracies are means of these.
  const setRight = new Uint8Array(n);
  const imagesRight = new Uint8Array(n);
  complete.forEach(({ pair, answer1, answer2 }, i) => {
    const r1 = answer1 === pair.im1Correct ? 1 : 0;
    const r2 = answer2 === pair.im2Correct ? 1 : 0;
    setRight[i] = r1 & r2;
    imagesRight[i] = r1 + r2;
  });
  const mean = (xs: Uint8Array, scale: number) => {
    let s = 0;
    for (const x of xs) s += x;
    return n > 0 ? (s / n / scale) * 100 : 0;
  };
  const setEstimate = mean(setRight, 1);
  const individualEstimate = mean(imagesRight, 2);
  if (n === 0) {
    const zero = { estimate: 0, lower: 0, upper: 0 };
    return { setAccuracy: zero, individualAccuracy: { ...zero }, iterations, level, seed, pairs: 0 };
  }

  const random = mulberry32(seed);
  const sets = new Array<number>(iterations);
  const individuals = new Array<number>(iterations);
  for (let it = 0; it < iterations; it++) {
    let s = 0;
    let m = 0;
    for (let k = 0; k < n; k++) {
      const i = Math.floor(random() * n);
      s += setRight[i] as number;
      m += imagesRight[i] as number;
    }
    sets[it] = (s / n) * 100;
    individuals[it] = (m / n / 2) * 100;
  }
  sets.sort((a, b) => a - b);
  individuals.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return {
    setAccuracy: { estimate: setEstimate, lower: quantile(sets, tail), upper: quantile(sets, 1 - tail) },
    individualAccuracy: {
      estimate: individualEstimate,
      lower: quantile(individuals, tail),
      upper: quantile(individuals, 1 - tail),
    },
    iterations,
    level,
    seed,
    pairs: n,
  };
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7; ~15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P[X = k] for X ~ Binomial(n, p), computed in log space. */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  const logC = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
  return Math.exp(logC + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/**
 * Exact binomial test of k successes in n trials against chance rate p (e.g. pairs right vs 25 %).
 * One-sided: P[X >= k]. Two-sided: total probability of outcomes no likelier than k, with
 * scipy's relative tolerance (1 + 1e-7) so float noise does not drop equally likely outcomes.
 */
export function binomialTest(
  successes: number,
  trials: number,
  p = 0.25,
): { pValueGreater: number; pValueTwoSided: number } {
  if (!Number.isInteger(trials) || trials < 0) throw new RangeError('trials must be a non-negative integer');
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError('successes must be an integer between 0 and trials');
  }
  if (!(p >= 0 && p <= 1)) throw new RangeError('p must be between 0 and 1');
  const pmf: number[] = [];
  for (let i = 0; i <= trials; i++) pmf.push(binomialPmf(i, trials, p));
  // Sum smallest terms first for accuracy.
  const sumOf = (xs: number[]) =>
    Math.min(
      1,
      [...xs].sort((a, b) => a - b).reduce((s, x) => s + x, 0),
    );
  const pValueGreater = sumOf(pmf.slice(successes));
  const d = pmf[successes] as number;
  const pValueTwoSided = successes === trials * p ? 1 : sumOf(pmf.filter((x) => x <= d * (1 + 1e-7)));
  return { pValueGreater, pValueTwoSided };
}

/** The standard normal's 97.5 % quantile: a two-sided 95 % interval is estimate ± Z_95 · se. */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for a proportion of `successes` in `trials` (as fractions, 0–1):
 * centre (p̂ + z²/2n) / (1 + z²/n), half-width z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
 * Closed form, close to nominal coverage even at small n, and never degenerate at p̂ = 1 (the
 * usual case for agreement between two runs), unlike the normal approximation's zero width.
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): ConfidenceInterval {
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError('trials must be a positive integer');
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError('successes must be an integer between 0 and trials');
  }
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p̂ = 0 or 1 the bound on that side is exactly 0 or 1 (centre ∓ half, without float noise).
  return {
    estimate: p,
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === n ? 1 : Math.min(1, centre + half),
  };
}

export interface McNemarResult {
  /** Right in the first run only. */
  b: number;
  /** Right in the second run only. */
  c: number;
  /** Two-sided exact p: min(1, 2 · P[X ≤ min(b, c)]), X ~ Binomial(b + c, 1/2); 1 when b + c = 0. */
  pValue: number;
}

/**
 * Exact McNemar test of paired correctness: only the discordant items (b right in the first run
 * only, c in the second only) carry information, and under "no difference" each is equally
 * likely to fall either way.
 */
export function mcnemarExact(b: number, c: number): McNemarResult {
  for (const x of [b, c]) {
    if (!Number.isInteger(x) || x < 0) throw new RangeError('b and c must be non-negative integers');
  }
  const n = b + c;
  if (n === 0) return { b, c, pValue: 1 };
  const k = Math.min(b, c);
  let tail = 0;
  if (n <= 1000) {
    // C(n, i) / 2ⁿ by the recurrence term(i + 1) = term(i) · (n − i)/(i + 1): exact while the
    // coefficients fit in 53 bits, so hand-checkable values (6/32, 1) come out exactly.
    let term = 2 ** -n;
    for (let i = 0; i <= k; i++) {
      tail += term;
      term = (term * (n - i)) / (i + 1);
    }
  } else {
    for (let i = 0; i <= k; i++) tail += binomialPmf(i, n, 0.5);
  }
  return { b, c, pValue: Math.min(1, 2 * tail) };
}
