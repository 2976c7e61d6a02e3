// The Explorer's URL form: the state a link fixes (pair, runs, method, filters including "flipped
// against the compared run", view, sort, presentation), read from and written to `#explorer?…` hashes, with the outcome and sort vocabularies.
import type { Method } from '../types.ts';
import { METHODS } from '../types.ts';

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
  /** Only pairs with an image the compared run answers differently (needs `compare`). */
  flipped: boolean;
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
  flipped: false,
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
  const flipped = params.get('flipped');
  return {
    pair: nonEmpty(params.get('pair')),
    run: nonEmpty(params.get('run')),
    compare: nonEmpty(params.get('compare')),
    method: isOneOf(METHODS, method) ? method : null,
    category: params.get('cat') ?? '',
    outcome: isOneOf(OUTCOME_FILTERS, outcome) ? outcome : '',
    query: params.get('q') ?? '',
    flipped: flipped === '1' || flipped === 'true',
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
  if (state.flipped) params.set('flipped', '1');
  if (state.view !== 'pair') params.set('view', state.view);
  if (state.sort.key !== DEFAULT_SORT.key || state.sort.descending !== DEFAULT_SORT.descending) {
    params.set('sort', `${state.sort.descending ? '-' : ''}${state.sort.key}`);
  }
  if (state.present) params.set('present', '1');
  const query = params.toString();
  return `#${EXPLORER_TAB}${query === '' ? '' : `?${query}`}`;
}
