// The benchmark's scoring: the official per-pair score table (create_score_table), its run-level
// sum, and the printed percentages (print_score) for set accuracy, individual accuracy,
// confusion and invalid rate, overall and per category.

import type { Answer, CaseRecord, ConfusionPair, Dataset, Method, PairAnswers } from './types.ts';
import { METHODS } from './types.ts';
import { OFFICIAL_CATEGORIES } from './datasetFields.ts';

export const SCORE_TABLE_KEYS = [
  'set_score',
  'individual_score',
  'confused',
  'invalid',
  'valids',
  'valid_pairs',
] as const;
export type ScoreTableKey = (typeof SCORE_TABLE_KEYS)[number];

/** One row of the official table: a count per category plus 'total'. */
export type ScoreRow = Record<string, number> & { total: number };
/** The official table: for each key, a count per category plus 'total'. */
export type ScoreTable = Record<ScoreTableKey, ScoreRow>;

export interface CategoryMetrics {
  setAccuracy: number;
  individualAccuracy: number;
  confusion: number;
  invalidRate: number;
  /** Denominator of set/individual accuracy: questions in this category among the pairs run. */
  questions: number;
  /** Category occurrences over pairs with both answers valid (the confusion denominator). */
  validPairs: number;
}

export interface MethodMetrics {
  /** Percentages 0–100, unrounded. */
  setAccuracy: number;
  individualAccuracy: number;
  confusion: number;
  invalidRate: number;
  counts: {
    /** Pairs with both images answered: the only pairs scored. */
    pairsRun: number;
    pairsTotal: number;
    /** Images answered, including those of pairs whose other image is not run yet. */
    casesRun: number;
    setCorrect: number;
    individualCorrect: number;
    confusedPairs: number;
    /** Pairs with both answers valid (official "valids"; the confusion denominator). */
    validPairs: number;
    invalidAnswers: number;
  };
  byCategory: Record<string, CategoryMetrics>;
}

/** Answers of one method by pair; a later record for the same case replaces an earlier one. */
export function pairAnswersFromRecords(records: readonly CaseRecord[], method: Method): PairAnswers {
  const answers: PairAnswers = new Map();
  for (const r of records) {
    if (r.method !== method) continue;
    const entry = answers.get(r.pairId) ?? {};
    entry[r.slot] = r.answer;
    answers.set(r.pairId, entry);
  }
  return answers;
}

export function emptyScoreTable(categories: readonly string[] = OFFICIAL_CATEGORIES): ScoreTable {
  const row = (): ScoreRow => {
    const r: Record<string, number> = {};
    for (const c of categories) r[c] = 0;
    return Object.assign(r, { total: 0 });
  };
  return {
    set_score: row(),
    individual_score: row(),
    confused: row(),
    invalid: row(),
    valids: row(),
    valid_pairs: row(),
  };
}

function bump(row: ScoreRow, cats: readonly string[]): void {
  row.total += 1;
  for (const c of cats) {
    const v = row[c];
    // The official code would raise KeyError here; a silent new key would skew the sums.
    if (v === undefined) throw new Error(`category "${c}" is not one of the score table's categories`);
    row[c] = v + 1;
  }
}

/** The official per-pair table (create_score_table): invalid = null, correct = matches the pair's key. */
export function pairScoreTable(
  pair: ConfusionPair,
  answer1: Answer,
  answer2: Answer,
  categories: readonly string[] = OFFICIAL_CATEGORIES,
): ScoreTable {
  const t = emptyScoreTable(categories);
  const cat1 = pair.category1;
  const cat2 = pair.category2;
  const both = [...cat1, ...cat2];
  const im1Correct = answer1 !== null && answer1 === pair.im1Correct;
  const im2Correct = answer2 !== null && answer2 === pair.im2Correct;
  const im1Invalid = answer1 === null;
  const im2Invalid = answer2 === null;
  // Confused: both valid and the same letter, although the correct letters differ.
  const confused = !im1Invalid && answer1 === answer2;

  if (confused) bump(t.confused, both);
  if (im1Correct) bump(t.individual_score, cat1);
  if (im2Correct) bump(t.individual_score, cat2);
  if (im1Invalid) bump(t.invalid, cat1);
  if (im2Invalid) bump(t.invalid, cat2);
  if (!im1Invalid && !im2Invalid) {
    bump(t.valids, both);
    if (!confused) bump(t.valid_pairs, both);
  }
  if (im1Correct && im2Correct) bump(t.set_score, both);
  return t;
}

/** Element-wise sum (update_score_table over all pairs). */
export function sumScoreTables(
  tables: readonly ScoreTable[],
  categories: readonly string[] = OFFICIAL_CATEGORIES,
): ScoreTable {
  const sum = emptyScoreTable(categories);
  for (const t of tables) {
    for (const key of SCORE_TABLE_KEYS) {
      const into = sum[key];
      for (const [cat, v] of Object.entries(t[key])) into[cat] = (into[cat] ?? 0) + v;
    }
  }
  return sum;
}

/** Pairs whose two images both have an answer (null counts: it was run and came out invalid). */
export function completePairs(
  dataset: Dataset,
  answers: PairAnswers,
): { pair: ConfusionPair; answer1: Answer; answer2: Answer }[] {
  const out: { pair: ConfusionPair; answer1: Answer; answer2: Answer }[] = [];
  for (const pair of dataset.pairs) {
    const a = answers.get(pair.id);
    if (a === undefined || a[1] === undefined || a[2] === undefined) continue;
    out.push({ pair, answer1: a[1], answer2: a[2] });
  }
  return out;
}

/** Official printed percentages from a summed table; `pairs` = N, `questions` = per-category denominators. */
export function metricsFromScoreTable(
  table: ScoreTable,
  pairs: number,
  questions: Record<string, number>,
  categories: readonly string[],
): Omit<MethodMetrics, 'counts'> {
  // Same operations as print_score (x / (N/100) [/ 2]) so the floats agree exactly.
  const pct = (x: number, denominator: number) => (denominator > 0 ? x / (denominator / 100) : 0);
  const ratio = (x: number, denominator: number) => (denominator > 0 ? (x / denominator) * 100 : 0);
  const get = (key: ScoreTableKey, cat: string) => table[key][cat] ?? 0;
  const byCategory: Record<string, CategoryMetrics> = {};
  for (const c of categories) {
    const q = questions[c] ?? 0;
    byCategory[c] = {
      setAccuracy: pct(get('set_score', c), q),
      individualAccuracy: pct(get('individual_score', c), q),
      confusion: ratio(get('confused', c), get('valids', c)),
      invalidRate: pct(get('invalid', c), q),
      questions: q,
      validPairs: get('valids', c),
    };
  }
  return {
    setAccuracy: pct(get('set_score', 'total'), pairs),
    individualAccuracy: pct(get('individual_score', 'total'), pairs) / 2,
    confusion: ratio(get('confused', 'total'), get('valids', 'total')),
    invalidRate: pct(get('invalid', 'total'), pairs) / 2,
    byCategory,
  };
}

/**
 * Metrics for one method's answers. Only pairs with both images answered are scored; with every
 * pair run the denominators are the official ones (N pairs, dataset.categoryCounts), otherwise
 * the category question counts are recounted over the pairs run.
 */
export function computeMetrics(dataset: Dataset, answers: PairAnswers): MethodMetrics {
  const complete = completePairs(dataset, answers);
  const categories = dataset.categories;
  const table = sumScoreTables(
    complete.map(({ pair, answer1, answer2 }) => pairScoreTable(pair, answer1, answer2, categories)),
    categories,
  );
  let questions: Record<string, number>;
  if (complete.length === dataset.pairs.length) {
    questions = dataset.categoryCounts;
  } else {
    questions = {};
    for (const c of categories) questions[c] = 0;
    for (const { pair } of complete) {
      for (const c of [...pair.category1, ...pair.category2]) questions[c] = (questions[c] ?? 0) + 1;
    }
  }
  let casesRun = 0;
  const ids = new Set(dataset.pairs.map((p) => p.id));
  for (const [id, a] of answers) {
    if (!ids.has(id)) continue;
    if (a[1] !== undefined) casesRun++;
    if (a[2] !== undefined) casesRun++;
  }
  const total = (key: ScoreTableKey) => table[key].total;
  return {
    ...metricsFromScoreTable(table, complete.length, questions, categories),
    counts: {
      pairsRun: complete.length,
      pairsTotal: dataset.pairs.length,
      casesRun,
      setCorrect: total('set_score'),
      individualCorrect: total('individual_score'),
      confusedPairs: total('confused'),
      validPairs: total('valids'),
      invalidAnswers: total('invalid'),
    },
  };
}

export interface BestAcrossMethods {
  bestSetAccuracy: number | null;
  bestSetMethod: Method | null;
  bestIndividualAccuracy: number | null;
  bestIndividualMethod: Method | null;
}

/** The paper's "best" columns: set and individual accuracy each maximised over the methods run. */
export function bestAcrossMethods(byMethod: Partial<Record<Method, MethodMetrics>>): BestAcrossMethods {
  const best: BestAcrossMethods = {
    bestSetAccuracy: null,
    bestSetMethod: null,
    bestIndividualAccuracy: null,
    bestIndividualMethod: null,
  };
  // METHODS order breaks ties (first wins).
  for (const method of METHODS) {
    const m = byMethod[method];
    if (!m || m.counts.pairsRun === 0) continue; // nothing scored yet: not a candidate
    if (best.bestSetAccuracy === null || m.setAccuracy > best.bestSetAccuracy) {
      best.bestSetAccuracy = m.setAccuracy;
      best.bestSetMethod = method;
    }
    if (best.bestIndividualAccuracy === null || m.individualAccuracy > best.bestIndividualAccuracy) {
      best.bestIndividualAccuracy = m.individualAccuracy;
      best.bestIndividualMethod = method;
    }
  }
  return best;
}
