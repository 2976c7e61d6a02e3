// The Explorer's URL state: the documented form, defaults for anything unknown, a stable short hash,
// and round trips of every state.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHODS } from '../../../../src/core/types.ts';
import {
  DEFAULT_SORT,
  DEFAULT_URL_STATE,
  EXPLORER_VIEWS,
  OUTCOME_FILTERS,
  SORT_KEYS,
  explorerHash,
  parseExplorerHash,
  type ExplorerUrlState,
  type OutcomeFilter,
} from '../../../../src/core/results/explorerUrl.ts';
import { tabFromHash } from '../../../../src/state/uiStore.ts';

describe('explorer URL state', () => {
  it('reads the documented form', () => {
    const state = parseExplorerHash(
      '#explorer?pair=10001&run=r-1&compare=r-2&method=GD&cat=Cerebral&outcome=confused&q=carotid+artery&flipped=1&view=scatter&present=1',
    );
    expect(state).toEqual({
      pair: '10001',
      run: 'r-1',
      compare: 'r-2',
      method: 'GD',
      category: 'Cerebral',
      outcome: 'confused',
      query: 'carotid artery',
      flipped: true,
      view: 'scatter',
      sort: DEFAULT_SORT,
      present: true,
    });
  });

  it('gives the defaults for a bare tab hash and ignores other tabs', () => {
    expect(parseExplorerHash('#explorer')).toEqual(DEFAULT_URL_STATE);
    expect(parseExplorerHash('#Explorer?')).toEqual(DEFAULT_URL_STATE);
    expect(parseExplorerHash('explorer')).toEqual(DEFAULT_URL_STATE);
    expect(parseExplorerHash('#pairs')).toBeNull();
    expect(parseExplorerHash('#pairs?pair=1')).toBeNull();
    expect(parseExplorerHash('')).toBeNull();
    expect(parseExplorerHash('#explorers')).toBeNull();
  });

  it('falls back to defaults for unknown values', () => {
    const state = parseExplorerHash(
      '#explorer?method=XX&outcome=lucky&view=map&present=yes&sort=-colour&pair=',
    );
    expect(state).toEqual(DEFAULT_URL_STATE);
  });

  it('reads the sort order with an optional minus for descending', () => {
    expect(parseExplorerHash('#explorer?sort=-biomedclip')?.sort).toEqual({
      key: 'biomedclip',
      descending: true,
    });
    expect(parseExplorerHash('#explorer?sort=pair')?.sort).toEqual({ key: 'pair', descending: false });
  });

  it('writes defaults as nothing and keeps a stable parameter order', () => {
    expect(explorerHash(DEFAULT_URL_STATE)).toBe('#explorer');
    expect(
      explorerHash({ ...DEFAULT_URL_STATE, present: true, view: 'sensitivity', pair: '10002', method: 'PS' }),
    ).toBe('#explorer?pair=10002&method=PS&view=sensitivity&present=1');
    expect(explorerHash({ ...DEFAULT_URL_STATE, sort: { key: 'dino', descending: true } })).toBe(
      '#explorer?sort=-dino',
    );
  });

  it('escapes text so that any query survives the trip', () => {
    const state: ExplorerUrlState = { ...DEFAULT_URL_STATE, query: 'a&b=c #d +e %f ü', run: 'run/1?x' };
    const hash = explorerHash(state);
    expect(hash.indexOf('#', 1)).toBe(-1);
    expect(parseExplorerHash(hash)).toEqual(state);
  });

  it('round-trips every state (property)', () => {
    const text = fc.string({ maxLength: 20 });
    const id = fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: null });
    const state = fc.record<ExplorerUrlState>({
      pair: id,
      run: id,
      compare: id,
      method: fc.option(fc.constantFrom(...METHODS), { nil: null }),
      category: text,
      outcome: fc.constantFrom<OutcomeFilter>('', ...OUTCOME_FILTERS),
      query: text,
      flipped: fc.boolean(),
      view: fc.constantFrom(...EXPLORER_VIEWS),
      sort: fc.record({ key: fc.constantFrom(...SORT_KEYS), descending: fc.boolean() }),
      present: fc.boolean(),
    });
    fc.assert(
      fc.property(state, (s) => {
        expect(parseExplorerHash(explorerHash(s))).toEqual(s);
      }),
    );
  });

  it('leaves the tab readable for the app shell', () => {
    expect(tabFromHash('#explorer?pair=10001&view=scatter')).toBe('explorer');
    expect(tabFromHash('#Explorer')).toBe('explorer');
    expect(tabFromHash('#results')).toBe('results');
    expect(tabFromHash('#main')).toBeNull();
  });
});
