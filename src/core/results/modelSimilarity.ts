// The model's own image similarity: how alike a pair's two images are to the vision encoder of the
// model under test. Each image's embedding (core/run/records ImageEmbedding) is the mean of the
// feature vectors the encoder (after its projector) hands the language model, kept from the encode
// the run already does; a pair's similarity is the cosine of its two images' means. Also: how that
// similarity goes with the pair being answered alike (the official "confused": both answers valid
// and the same letter), as Spearman's rank correlation with a Bonett–Wright interval, for one
// method or for every method of a run.
// A property of this model's image features, not a measure of clinical difference.
import { pairAnswersFromRecords } from '../metrics.ts';
import type { Answer, CaseRecord, ConfusionPair, Dataset, Method, PairAnswers } from '../types.ts';
import type { ImageEmbedding, RunRecord } from '../run/records.ts';
import { quantile, Z_95, type ConfidenceInterval } from '../statistics.ts';
import { effectiveCases, runMethods, type MaybeStored } from './runResults.ts';

/** What the number is, in the words the README, the run card and the bundle use. */
export const MODEL_SIMILARITY_DEFINITION =
  "cosine of the two images' mean image-feature vectors, as the model's vision encoder (after its projector) hands them to the language model; a property of this model's image features, not a measure of clinical difference";

/** Cosine similarity, accumulated in float64; null when either vector is zero or their lengths differ. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length || a.length === 0) return null;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0 || !Number.isFinite(dot)) return null;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

/**
 * Mean over rows of a row-major `[rows, hidden]` block of features (rows `start` … `start+count`),
 * in float64, stored as float32: the image's embedding from the encoder's output.
 */
export function meanOfRows(
  data: ArrayLike<number>,
  hidden: number,
  start = 0,
  count = Math.floor(data.length / hidden) - start,
): Float32Array {
  const sum = new Float64Array(hidden);
  for (let r = start; r < start + count; r++) {
    const base = r * hidden;
    for (let h = 0; h < hidden; h++) sum[h]! += data[base + h]!;
  }
  const out = new Float32Array(hidden);
  for (let h = 0; h < hidden; h++) out[h] = count > 0 ? sum[h]! / count : 0;
  return out;
}

/** One pair's two images as this model sees them. */
export interface PairModelSimilarity {
  pairId: string;
  /** Cosine of the images' means over every view. */
  similarity: number;
  /** Cosine of the global views' means, where the family has one and both images were split. */
  globalSimilarity: number | null;
}

/** Per pair (by id), for the pairs whose two images both have an embedding. */
export function pairModelSimilarities(
  pairs: readonly ConfusionPair[],
  embeddings: ReadonlyMap<string, ImageEmbedding>,
): Map<string, PairModelSimilarity> {
  const out = new Map<string, PairModelSimilarity>();
  for (const pair of pairs) {
    const a = embeddings.get(pair.im1Local);
    const b = embeddings.get(pair.im2Local);
    if (!a || !b) continue;
    const similarity = cosineSimilarity(a.mean, b.mean);
    if (similarity === null) continue;
    const globalSimilarity =
      a.globalMean && b.globalMean ? cosineSimilarity(a.globalMean, b.globalMean) : null;
    out.set(pair.id, { pairId: pair.id, similarity, globalSimilarity });
  }
  return out;
}

/** The sentence presentation mode shows a class. */
export function similarityInWords(similarity: number): string {
  return `To this model the two images are ${similarity.toFixed(2)} alike`;
}

// ---------------------------------------------------------------------------------------------
// Similarity against confusion

/** One pair of the scatter: its similarity and whether it was answered alike. */
export interface SimilarityPoint {
  pairId: string;
  similarity: number;
  /** Answered alike: both answers valid and the same letter (the official "confused"). */
  confused: boolean;
}

export interface SimilarityConfusion {
  /** Pairs with a similarity and both answers valid (the confusion denominator), in dataset order. */
  points: SimilarityPoint[];
  confusedPairs: number;
  /** Spearman's ρ of similarity against confused (0/1) with its 95 % interval; null when undefined. */
  rankCorrelation: ConfidenceInterval | null;
  /** Why there is no correlation, when there is none. */
  reason: string | null;
  /** Median similarity of the confused and of the other pairs (null when a group is empty). */
  medianConfused: number | null;
  medianNotConfused: number | null;
}

/** Average ranks (1-based), ties sharing the mean of their positions. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    i = j + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman's ρ (Pearson's r of average ranks) with the Bonett & Wright (2000) interval: Fisher's z
 * with standard error √((1 + ρ²/2) / (n − 3)). Null below 4 points or when either variable is constant.
 */
export function spearman(x: readonly number[], y: readonly number[], z = Z_95): ConfidenceInterval | null {
  if (x.length !== y.length || x.length < 4) return null;
  const rho = pearson(averageRanks(x), averageRanks(y));
  if (rho === null) return null;
  const clamped = Math.max(-0.999999, Math.min(0.999999, rho));
  const se = Math.sqrt((1 + (rho * rho) / 2) / (x.length - 3));
  const centre = Math.atanh(clamped);
  return { estimate: rho, lower: Math.tanh(centre - z * se), upper: Math.tanh(centre + z * se) };
}

function median(xs: number[]): number | null {
  return xs.length === 0
    ? null
    : quantile(
        [...xs].sort((a, b) => a - b),
        0.5,
      );
}

function isValid(a: Answer | undefined): a is 'A' | 'B' {
  return a === 'A' || a === 'B';
}

/** The model's similarity of each pair against whether one method answered the pair alike. */
export function similarityConfusion(
  pairs: readonly ConfusionPair[],
  similarities: ReadonlyMap<string, PairModelSimilarity>,
  answers: PairAnswers,
): SimilarityConfusion {
  const points: SimilarityPoint[] = [];
  for (const pair of pairs) {
    const s = similarities.get(pair.id);
    const a = answers.get(pair.id);
    if (!s || !isValid(a?.[1]) || !isValid(a?.[2])) continue;
    points.push({ pairId: pair.id, similarity: s.similarity, confused: a[1] === a[2] });
  }
  const confused = points.filter((p) => p.confused);
  const rankCorrelation = spearman(
    points.map((p) => p.similarity),
    points.map((p) => (p.confused ? 1 : 0)),
  );
  let reason: string | null = null;
  if (!rankCorrelation) {
    if (points.length < 4)
      reason = `${points.length} pairs with the model's similarity and two valid answers (4 needed)`;
    else if (confused.length === 0) reason = 'no pair was answered alike';
    else if (confused.length === points.length) reason = 'every pair was answered alike';
    else reason = 'every pair has the same similarity';
  }
  return {
    points,
    confusedPairs: confused.length,
    rankCorrelation,
    reason,
    medianConfused: median(confused.map((p) => p.similarity)),
    medianNotConfused: median(points.filter((p) => !p.confused).map((p) => p.similarity)),
  };
}

/** One method's correlation without its points (what the CLI's output file and terminal give). */
export type SimilarityConfusionSummary = Omit<SimilarityConfusion, 'points'> & { pairs: number };

/** What a run's output file says of the model's similarity: the pairs, and per method its correlation. */
export interface ModelSimilarityReport {
  definition: string;
  pairs: PairModelSimilarity[];
  byMethod: Partial<Record<Method, SimilarityConfusionSummary>>;
}

/** The model's similarity against each method's answers in `records`, in the order given. */
function similarityByMethod(
  pairs: readonly ConfusionPair[],
  similarities: ReadonlyMap<string, PairModelSimilarity>,
  records: readonly CaseRecord[],
  methods: readonly Method[],
): { method: Method; confusion: SimilarityConfusion }[] {
  return methods.map((method) => ({
    method,
    confusion: similarityConfusion(pairs, similarities, pairAnswersFromRecords(records, method)),
  }));
}

export function modelSimilarityReport(
  pairs: readonly ConfusionPair[],
  embeddings: ReadonlyMap<string, ImageEmbedding>,
  records: readonly CaseRecord[],
  methods: readonly Method[],
): ModelSimilarityReport | null {
  const similarities = pairModelSimilarities(pairs, embeddings);
  if (similarities.size === 0) return null;
  const byMethod: ModelSimilarityReport['byMethod'] = {};
  for (const { method, confusion } of similarityByMethod(pairs, similarities, records, methods)) {
    const { points, ...rest } = confusion;
    byMethod[method] = { pairs: points.length, ...rest };
  }
  return { definition: MODEL_SIMILARITY_DEFINITION, pairs: [...similarities.values()], byMethod };
}

/** One line per method for a terminal: ρ with its interval, or why there is none. */
export function describeSimilarityConfusion(method: Method, s: SimilarityConfusionSummary): string {
  const medians =
    s.medianConfused !== null && s.medianNotConfused !== null
      ? `; median ${s.medianConfused.toFixed(3)} answered alike, ${s.medianNotConfused.toFixed(3)} not`
      : '';
  const rho = s.rankCorrelation
    ? `Spearman ρ ${s.rankCorrelation.estimate.toFixed(2)} [${s.rankCorrelation.lower.toFixed(2)}, ${s.rankCorrelation.upper.toFixed(2)}]`
    : `no rank correlation (${s.reason ?? 'undefined'})`;
  return `${method}: the model's image similarity against answered alike: ${rho} over ${s.pairs} pairs (${s.confusedPairs} answered alike)${medians}`;
}

// ---------------------------------------------------------------------------------------------
// One run, every method (the Results tab)

export interface RunModelSimilarity {
  /** Images of the run with a stored embedding. */
  images: number;
  /** Per pair whose two images both have one. */
  similarities: Map<string, PairModelSimilarity>;
  /** The run's methods in METHODS order, each against the model's similarity. */
  byMethod: { method: Method; confusion: SimilarityConfusion }[];
}

/**
 * The model's similarity of a run's pairs against each of its methods' answers (the cases that
 * count, as the Results tab's metrics); null when the run kept no embedding for any pair.
 */
export function runModelSimilarity(
  run: Pick<RunRecord, 'methods' | 'promptHashes'>,
  cases: readonly MaybeStored[],
  dataset: Dataset,
  embeddings: ReadonlyMap<string, ImageEmbedding>,
): RunModelSimilarity | null {
  const similarities = pairModelSimilarities(dataset.pairs, embeddings);
  if (similarities.size === 0) return null;
  const kept = effectiveCases(run, cases);
  const byMethod = similarityByMethod(dataset.pairs, similarities, kept, runMethods(run, kept));
  return { images: embeddings.size, similarities, byMethod };
}
