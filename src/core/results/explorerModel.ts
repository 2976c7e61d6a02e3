// The Explorer's per-pair rules: a run's cases indexed by pair, each pair's outcome under a method,
// filtering, navigation and the image prefetch window, methods to offer, and the number formats.
import type { Answer, CaseRecord, ConfusionPair, ImageSlot, Method, PairAnswers } from '../types.ts';
import { METHODS } from '../types.ts';
import type { OutcomeFilter } from './explorerUrl.ts';
import { filterFlippedPairs, filterPairs, type AnswerLookup } from './pairFilters.ts';

// ---------------------------------------------------------------------------------------------
// A run's cases, by pair

/** The cases of one pair: per image, per method. */
export interface PairCases {
  1: Partial<Record<Method, CaseRecord>>;
  2: Partial<Record<Method, CaseRecord>>;
}

export type RunCaseIndex = ReadonlyMap<string, PairCases>;

type MaybeStored = CaseRecord & { promptHash?: string; computedAt?: number };

/**
 * Indexes a run's cases by pair, image and method. The same rules as the Results tab: a case made
 * with another prompt than the run's for its method never counts, and the latest computed one wins.
 */
export function indexRunCases(
  run: { promptHashes: Record<string, string> } | null,
  cases: readonly MaybeStored[],
): Map<string, PairCases> {
  const index = new Map<string, PairCases>();
  const latest = new Map<string, number>();
  for (const c of cases) {
    const expected = run?.promptHashes[c.method];
    if (expected !== undefined && c.promptHash !== undefined && c.promptHash !== expected) continue;
    const key = `${c.pairId}\u0000${c.slot}\u0000${c.method}`;
    // Ties in computedAt keep storage order, so a later record still replaces an earlier one.
    const time = c.computedAt ?? 0;
    const seen = latest.get(key);
    if (seen !== undefined && time < seen) continue;
    latest.set(key, time);
    let entry = index.get(c.pairId);
    if (!entry) {
      entry = { 1: {}, 2: {} };
      index.set(c.pairId, entry);
    }
    entry[c.slot][c.method] = c;
  }
  return index;
}

/** Methods that have at least one case in the index, in METHODS order. */
export function methodsInIndex(index: RunCaseIndex): Method[] {
  const found = new Set<Method>();
  for (const entry of index.values()) {
    for (const slot of [1, 2] as const) for (const m of Object.keys(entry[slot])) found.add(m as Method);
  }
  return METHODS.filter((m) => found.has(m));
}

export function caseFor(
  index: RunCaseIndex | null,
  pairId: string,
  slot: ImageSlot,
  method: Method,
): CaseRecord | undefined {
  return index?.get(pairId)?.[slot][method];
}

// ---------------------------------------------------------------------------------------------
// Outcomes

/**
 * One label per pair, for colours and badges. Every answered pair is exactly one of:
 * both (right on both images), confused (the same valid answer to both: right on one),
 * none (two different valid answers, both wrong: the options swapped), invalid (an answer that is
 * neither letter), not-run (an image without an answer).
 */
export type PairOutcome = 'both' | 'confused' | 'none' | 'invalid' | 'not-run';

export const PAIR_OUTCOMES: readonly PairOutcome[] = ['both', 'confused', 'none', 'invalid', 'not-run'];

export const PAIR_OUTCOME_LABELS: Readonly<Record<PairOutcome, string>> = {
  both: 'Right on both',
  confused: 'Confused',
  none: 'Wrong on both',
  invalid: 'Invalid answer',
  'not-run': 'Not run',
};

export function classifyPair(
  pair: Pick<ConfusionPair, 'im1Correct' | 'im2Correct'>,
  answer1: Answer | undefined,
  answer2: Answer | undefined,
): PairOutcome {
  if (answer1 === undefined || answer2 === undefined) return 'not-run';
  if (answer1 === null || answer2 === null) return 'invalid';
  if (answer1 === answer2) return 'confused';
  return answer1 === pair.im1Correct && answer2 === pair.im2Correct ? 'both' : 'none';
}

/** Images answered correctly (0–2); null when an image has no answer yet. */
export function correctCount(
  pair: Pick<ConfusionPair, 'im1Correct' | 'im2Correct'>,
  answer1: Answer | undefined,
  answer2: Answer | undefined,
): 0 | 1 | 2 | null {
  if (answer1 === undefined || answer2 === undefined) return null;
  return ((answer1 === pair.im1Correct ? 1 : 0) + (answer2 === pair.im2Correct ? 1 : 0)) as 0 | 1 | 2;
}

export function matchesOutcome(
  filter: OutcomeFilter,
  pair: Pick<ConfusionPair, 'im1Correct' | 'im2Correct'>,
  answer1: Answer | undefined,
  answer2: Answer | undefined,
): boolean {
  switch (filter) {
    case '':
      return true;
    case 'both':
      return correctCount(pair, answer1, answer2) === 2;
    case 'one':
      return correctCount(pair, answer1, answer2) === 1;
    case 'none':
      return correctCount(pair, answer1, answer2) === 0;
    case 'confused':
      return classifyPair(pair, answer1, answer2) === 'confused';
    case 'invalid':
      return classifyPair(pair, answer1, answer2) === 'invalid';
    case 'not-run':
      return answer1 === undefined || answer2 === undefined;
  }
}

/** A pair's answers under one method of a run. */
export function pairAnswers(
  index: RunCaseIndex | null,
  pairId: string,
  method: Method,
): { answer1: Answer | undefined; answer2: Answer | undefined } {
  const entry = index?.get(pairId);
  return { answer1: entry?.[1][method]?.answer, answer2: entry?.[2][method]?.answer };
}

/** Every pair's answers under one method of a run, in the shape core/metrics reads. */
export function pairAnswersOfIndex(index: RunCaseIndex | null, method: Method): PairAnswers {
  const out: PairAnswers = new Map();
  for (const [pairId, entry] of index ?? []) {
    const a1 = entry[1][method]?.answer;
    const a2 = entry[2][method]?.answer;
    if (a1 === undefined && a2 === undefined) continue;
    out.set(pairId, { 1: a1, 2: a2 });
  }
  return out;
}

export function pairOutcome(index: RunCaseIndex | null, pair: ConfusionPair, method: Method): PairOutcome {
  const { answer1, answer2 } = pairAnswers(index, pair.id, method);
  return classifyPair(pair, answer1, answer2);
}

// ---------------------------------------------------------------------------------------------
// Filtering and navigation

export interface ExplorerFilter {
  category: string;
  outcome: OutcomeFilter;
  query: string;
  /** Only pairs with an image the compared run answers differently (pairFilters flippedSlots). */
  flipped?: boolean;
}

/** A run's answers under one method, as pairFilters reads them. */
export function indexLookup(index: RunCaseIndex, method: Method): AnswerLookup {
  return (pairId, slot) => index.get(pairId)?.[slot][method]?.answer;
}

/**
 * The pairs a filter keeps, in dataset order. Category and search work as in the Pairs tab; the
 * outcome filter needs a run, and the flipped filter a run and a compared run (without them, or
 * without a method, each keeps everything).
 */
export function filterExplorerPairs(
  pairs: readonly ConfusionPair[],
  filter: ExplorerFilter,
  index: RunCaseIndex | null,
  method: Method | null,
  compareIndex: RunCaseIndex | null = null,
): ConfusionPair[] {
  let kept = filterPairs(pairs, { category: filter.category, query: filter.query });
  if (index === null || method === null) return kept;
  if (filter.flipped && compareIndex !== null) {
    kept = filterFlippedPairs(kept, indexLookup(index, method), indexLookup(compareIndex, method));
  }
  if (filter.outcome === '') return kept;
  return kept.filter((pair) => {
    const { answer1, answer2 } = pairAnswers(index, pair.id, method);
    return matchesOutcome(filter.outcome, pair, answer1, answer2);
  });
}

/** The pair shown: the one asked for if it exists (even when filtered out), else the first kept. */
export function resolveCurrentPair(
  all: readonly ConfusionPair[],
  list: readonly ConfusionPair[],
  wanted: string | null,
): ConfusionPair | null {
  if (wanted !== null) {
    const found = all.find((p) => p.id === wanted);
    if (found) return found;
  }
  return list[0] ?? null;
}

/**
 * The pair `step` places from the current one within the filtered list (no wrap-around). A current
 * pair outside the list moves to the nearest listed pair in dataset order in that direction.
 */
export function neighbourPair(
  all: readonly ConfusionPair[],
  list: readonly ConfusionPair[],
  currentId: string | null,
  step: number,
): ConfusionPair | null {
  if (list.length === 0) return null;
  const at = currentId === null ? -1 : list.findIndex((p) => p.id === currentId);
  if (at >= 0) return list[at + step] ?? null;
  const order = new Map(all.map((p, i) => [p.id, i]));
  const from = currentId === null ? -1 : (order.get(currentId) ?? -1);
  if (step > 0) return list.find((p) => (order.get(p.id) ?? -1) > from) ?? null;
  const before = list.filter((p) => (order.get(p.id) ?? -1) < from);
  return before[before.length - 1] ?? null;
}

/**
 * Local image ids to have decoded around the current pair: its own images first, then those of the
 * neighbours by distance (±radius in the filtered list), each once.
 */
export function imageWindow(
  list: readonly ConfusionPair[],
  current: ConfusionPair | null,
  radius: number,
): string[] {
  const ids: string[] = [];
  const add = (p: ConfusionPair | undefined) => {
    if (!p) return;
    for (const id of [p.im1Local, p.im2Local]) if (!ids.includes(id)) ids.push(id);
  };
  add(current ?? undefined);
  const at = current ? list.findIndex((p) => p.id === current.id) : -1;
  if (at < 0 && current) return ids;
  for (let d = 1; d <= radius; d++) {
    add(list[at + d]);
    if (at - d >= 0) add(list[at - d]);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Legends, methods to offer, number formats

/** Pairs per outcome, for legends. */
export function countOutcomes(
  pairs: readonly ConfusionPair[],
  index: RunCaseIndex | null,
  method: Method | null,
): Record<PairOutcome, number> {
  const counts: Record<PairOutcome, number> = { both: 0, confused: 0, none: 0, invalid: 0, 'not-run': 0 };
  for (const p of pairs) counts[method === null ? 'not-run' : pairOutcome(index, p, method)]++;
  return counts;
}

/** The method shown: the one asked for when the run has it, else the first the run has (METHODS order). */
export function resolveMethod(wanted: Method | null, available: readonly Method[]): Method | null {
  if (wanted !== null && available.includes(wanted)) return wanted;
  return available[0] ?? wanted;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "0.123" or "—". */
export function formatNumber(x: number | null, digits = 3): string {
  return x === null ? '—' : x.toFixed(digits);
}

export function formatPercent(x: number | null, digits = 1): string {
  return x === null ? '—' : `${(x * 100).toFixed(digits)} %`;
}

/** Methods to offer for a run: those it declares plus those its cases use, in METHODS order. */
export function availableMethods(declared: readonly string[], index: RunCaseIndex | null): Method[] {
  const found = new Set<string>(declared);
  if (index) for (const m of methodsInIndex(index)) found.add(m);
  return METHODS.filter((m) => found.has(m));
}
