// Pure helpers behind the Explorer tab: its URL (hash) form, the per-pair outcome of a run's answers,
// the image-sensitivity figure of each method, filtering, neighbours, the similarity scatter's scales
// and the image prefetch window. No React, no IndexedDB, so every rule here is unit-tested.
import type { Answer, CaseRecord, ConfusionPair, ImageSlot, Method } from '../core/types.ts';
import { METHODS } from '../core/types.ts';
import { filterPairs } from './pairFilters.ts';

// ---------------------------------------------------------------------------------------------
// URL state

export const EXPLORER_TAB = 'explorer';

export const EXPLORER_VIEWS = ['pair', 'scatter', 'sensitivity'] as const;
export type ExplorerViewName = (typeof EXPLORER_VIEWS)[number];

/**
 * Outcome filters. both / one / none count the images answered correctly (so 'one' includes the
 * confused pairs); confused = the same valid answer to both images; invalid = at least one invalid
 * answer; not-run = an image of the pair has no answer yet.
 */
export const OUTCOME_FILTERS = ['both', 'one', 'none', 'confused', 'invalid', 'not-run'] as const;
export type OutcomeFilter = '' | (typeof OUTCOME_FILTERS)[number];

export const OUTCOME_FILTER_LABELS: Readonly<Record<OutcomeFilter, string>> = {
  '': 'All outcomes',
  both: 'Right on both images',
  one: 'Right on one image',
  none: 'Right on neither image',
  confused: 'Confused (same answer to both)',
  invalid: 'Invalid answer',
  'not-run': 'Not run yet',
};

export const SORT_KEYS = ['sensitivity', 'compare', 'pair', 'biomedclip', 'dino'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface SortState {
  key: SortKey;
  descending: boolean;
}
/** Least sensitive first: the list exists to find the pairs where the image barely matters. */
export const DEFAULT_SORT: SortState = { key: 'sensitivity', descending: false };

/** Everything a teacher's link fixes: which pair, which runs, which filters, which view. */
export interface ExplorerUrlState {
  pair: string | null;
  run: string | null;
  compare: string | null;
  method: Method | null;
  /** A category name, or '' for all. */
  category: string;
  outcome: OutcomeFilter;
  query: string;
  view: ExplorerViewName;
  sort: SortState;
  present: boolean;
}

export const DEFAULT_URL_STATE: ExplorerUrlState = Object.freeze({
  pair: null,
  run: null,
  compare: null,
  method: null,
  category: '',
  outcome: '',
  query: '',
  view: 'pair',
  sort: DEFAULT_SORT,
  present: false,
}) as ExplorerUrlState;

function isOneOf<T extends string>(list: readonly T[], value: string | null): value is T {
  return value !== null && (list as readonly string[]).includes(value);
}

function parseSort(value: string | null): SortState {
  if (value === null) return DEFAULT_SORT;
  const descending = value.startsWith('-');
  const key = descending ? value.slice(1) : value;
  return isOneOf(SORT_KEYS, key) ? { key, descending } : DEFAULT_SORT;
}

function nonEmpty(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

/**
 * Reads `#explorer?pair=…&run=…` (the tab name is case-insensitive, the parameters are not).
 * Returns null when the hash names another tab; unknown or malformed values fall back to defaults.
 */
export function parseExplorerHash(hash: string): ExplorerUrlState | null {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const name = (q < 0 ? raw : raw.slice(0, q)).toLowerCase();
  if (name !== EXPLORER_TAB) return null;
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const method = params.get('method');
  const outcome = params.get('outcome');
  const view = params.get('view');
  const present = params.get('present');
  return {
    pair: nonEmpty(params.get('pair')),
    run: nonEmpty(params.get('run')),
    compare: nonEmpty(params.get('compare')),
    method: isOneOf(METHODS, method) ? method : null,
    category: params.get('cat') ?? '',
    outcome: isOneOf(OUTCOME_FILTERS, outcome) ? outcome : '',
    query: params.get('q') ?? '',
    view: isOneOf(EXPLORER_VIEWS, view) ? view : 'pair',
    sort: parseSort(params.get('sort')),
    present: present === '1' || present === 'true',
  };
}

/** The hash for a state, defaults left out so links stay short: `#explorer?pair=10001&view=scatter`. */
export function explorerHash(state: ExplorerUrlState): string {
  const params = new URLSearchParams();
  if (state.pair !== null && state.pair !== '') params.set('pair', state.pair);
  if (state.run !== null && state.run !== '') params.set('run', state.run);
  if (state.compare !== null && state.compare !== '') params.set('compare', state.compare);
  if (state.method !== null) params.set('method', state.method);
  if (state.category !== '') params.set('cat', state.category);
  if (state.outcome !== '') params.set('outcome', state.outcome);
  if (state.query !== '') params.set('q', state.query);
  if (state.view !== 'pair') params.set('view', state.view);
  if (state.sort.key !== DEFAULT_SORT.key || state.sort.descending !== DEFAULT_SORT.descending) {
    params.set('sort', `${state.sort.descending ? '-' : ''}${state.sort.key}`);
  }
  if (state.present) params.set('present', '1');
  const query = params.toString();
  return `#${EXPLORER_TAB}${query === '' ? '' : `?${query}`}`;
}

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

export function pairOutcome(index: RunCaseIndex | null, pair: ConfusionPair, method: Method): PairOutcome {
  const { answer1, answer2 } = pairAnswers(index, pair.id, method);
  return classifyPair(pair, answer1, answer2);
}

// ---------------------------------------------------------------------------------------------
// Image sensitivity

/** How each method's sensitivity is defined; shown in the UI beside the figure and the list. */
export const SENSITIVITY_DEFINITIONS: Readonly<Record<Method, string>> = {
  GD: '|pA(image 1) − pA(image 2)|, where pA is the probability of "A" in the two-way softmax over the letters A and B.',
  PS: '|sA₁/(sA₁+sB₁) − sA₂/(sA₂+sB₂)|, where sA and sB are the prefix scores of the two options for each image (normalised so they sum to 1).',
  MC: '0 when the two generated answers parse to the same letter (or are both invalid), 1 otherwise.',
  FF: '0 when the judge gives the same answer (or no valid answer) for both images, 1 otherwise.',
};

/** What the sensitivity of a method compares between the two images. */
export const SENSITIVITY_QUANTITY: Readonly<Record<Method, string>> = {
  GD: 'pA',
  PS: 'normalised prefix score of A',
  MC: 'parsed answer',
  FF: 'judged answer',
};

/** GD: probability of A (the two-way softmax's A); null when not recorded. */
export function gdProbabilityA(c: CaseRecord | undefined): number | null {
  const p = c?.probabilities?.A;
  return typeof p === 'number' && Number.isFinite(p) ? p : null;
}

/** PS prefix scores: recorded, else recomputed as exp(mean log p) from the token log-probabilities. */
export function prefixScores(c: CaseRecord | undefined): { A: number; B: number } | null {
  if (!c) return null;
  if (c.prefixScores) return c.prefixScores;
  const t = c.tokenLogProbs;
  if (!t || t.A.length === 0 || t.B.length === 0) return null;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return { A: Math.exp(mean(t.A)), B: Math.exp(mean(t.B)) };
}

/** PS: sA / (sA + sB), the share of A in the two prefix scores; null when undefined (0 + 0). */
export function psShareA(c: CaseRecord | undefined): number | null {
  const s = prefixScores(c);
  if (!s) return null;
  const total = s.A + s.B;
  if (!Number.isFinite(total) || total <= 0) return null;
  return s.A / total;
}

/** The per-image quantity a method's sensitivity compares: a probability-like share of A, or none. */
export function shareA(method: Method, c: CaseRecord | undefined): number | null {
  if (method === 'GD') return gdProbabilityA(c);
  if (method === 'PS') return psShareA(c);
  return null;
}

/**
 * How much the answer moves between the two images of a pair (0 = not at all, 1 = completely);
 * null when an image has no case or its case lacks the numbers the method needs.
 */
export function sensitivity(
  method: Method,
  case1: CaseRecord | undefined,
  case2: CaseRecord | undefined,
): number | null {
  if (!case1 || !case2) return null;
  if (method === 'GD' || method === 'PS') {
    const a = shareA(method, case1);
    const b = shareA(method, case2);
    return a === null || b === null ? null : Math.abs(a - b);
  }
  return case1.answer === case2.answer ? 0 : 1;
}

/** Decimals to show: GD and PS vary continuously, MC and FF are 0 or 1. */
export function sensitivityDigits(method: Method): number {
  return method === 'GD' || method === 'PS' ? 3 : 0;
}

export function pairSensitivity(index: RunCaseIndex | null, pairId: string, method: Method): number | null {
  const entry = index?.get(pairId);
  return sensitivity(method, entry?.[1][method], entry?.[2][method]);
}

// ---------------------------------------------------------------------------------------------
// Filtering and navigation

export interface ExplorerFilter {
  category: string;
  outcome: OutcomeFilter;
  query: string;
}

/**
 * The pairs a filter keeps, in dataset order. Category and search work as in the Pairs tab; the
 * outcome filter needs a run (without one, or without a method, it keeps everything).
 */
export function filterExplorerPairs(
  pairs: readonly ConfusionPair[],
  filter: ExplorerFilter,
  index: RunCaseIndex | null,
  method: Method | null,
): ConfusionPair[] {
  const kept = filterPairs(pairs, { category: filter.category, query: filter.query });
  if (filter.outcome === '' || index === null || method === null) return kept;
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
// Sensitivity list

export interface SensitivityRow {
  pair: ConfusionPair;
  /** Position in the dataset, a stable tie-breaker. */
  order: number;
  sensitivity: number | null;
  compareSensitivity: number | null;
  outcome: PairOutcome;
  compareOutcome: PairOutcome | null;
}

export function sensitivityRows(
  pairs: readonly ConfusionPair[],
  index: RunCaseIndex | null,
  compareIndex: RunCaseIndex | null,
  method: Method,
): SensitivityRow[] {
  return pairs.map((pair, order) => ({
    pair,
    order,
    sensitivity: pairSensitivity(index, pair.id, method),
    compareSensitivity: compareIndex ? pairSensitivity(compareIndex, pair.id, method) : null,
    outcome: pairOutcome(index, pair, method),
    compareOutcome: compareIndex ? pairOutcome(compareIndex, pair, method) : null,
  }));
}

function sortValue(row: SensitivityRow, key: SortKey): number | string | null {
  switch (key) {
    case 'sensitivity':
      return row.sensitivity;
    case 'compare':
      return row.compareSensitivity;
    case 'pair':
      return row.pair.id;
    case 'biomedclip':
      return row.pair.biomedClipSim;
    case 'dino':
      return row.pair.dinoSim;
  }
}

/** Sorted copy; missing values always last, ties in dataset order. Ids compare numerically when they can. */
export function sortSensitivityRows(rows: readonly SensitivityRow[], sort: SortState): SensitivityRow[] {
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    if (x === null || y === null) {
      if (x === null && y !== null) return 1;
      if (y === null && x !== null) return -1;
      return a.order - b.order;
    }
    let c: number;
    if (typeof x === 'number' && typeof y === 'number') c = x - y;
    else c = String(x).localeCompare(String(y), undefined, { numeric: true });
    return c !== 0 ? sign * c : a.order - b.order;
  });
}

// ---------------------------------------------------------------------------------------------
// Similarity scatter

/** The paper's pair selection: alike for BiomedCLIP (≥ 0.9), different for DINOv2 (≤ 0.75). */
export const PAPER_THRESHOLDS = Object.freeze({ biomedClipMin: 0.9, dinoMax: 0.75 });

export interface Domain {
  min: number;
  max: number;
}

/** An axis range covering the values and the threshold, padded and rounded out to `step`. */
export function axisDomain(values: readonly (number | null)[], threshold: number, step: number): Domain {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Math.min(threshold, ...xs);
  let hi = Math.max(threshold, ...xs);
  const pad = Math.max((hi - lo) * 0.04, step / 4);
  lo = Math.floor((lo - pad) / step) * step;
  hi = Math.ceil((hi + pad) / step) * step;
  return { min: round(lo), max: round(hi) };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Tick values from min to max every `step` (float-safe). */
export function ticks(domain: Domain, step: number): number[] {
  const out: number[] = [];
  const n = Math.round((domain.max - domain.min) / step);
  for (let i = 0; i <= n; i++) out.push(round(domain.min + i * step));
  return out;
}

/** Linear map of a domain onto [from, to] (to < from for a y axis pointing up). */
export function scale(domain: Domain, from: number, to: number): (v: number) => number {
  const span = domain.max - domain.min || 1;
  return (v) => from + ((v - domain.min) / span) * (to - from);
}

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
