// The Explorer's pure rules on crafted results: URL state round trips, outcome classification,
// image sensitivity per method, filtering, navigation, sorting and the scatter's axes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Answer, CaseRecord, ConfusionPair, ImageSlot, Method } from '../../../src/core/types.ts';
import { METHODS } from '../../../src/core/types.ts';
import {
  DEFAULT_SORT,
  DEFAULT_URL_STATE,
  EXPLORER_VIEWS,
  OUTCOME_FILTERS,
  PAPER_THRESHOLDS,
  SENSITIVITY_DEFINITIONS,
  SORT_KEYS,
  availableMethods,
  axisDomain,
  classifyPair,
  correctCount,
  countOutcomes,
  explorerHash,
  filterExplorerPairs,
  imageWindow,
  indexRunCases,
  matchesOutcome,
  neighbourPair,
  pairSensitivity,
  parseExplorerHash,
  psShareA,
  resolveCurrentPair,
  resolveMethod,
  sensitivity,
  sensitivityRows,
  sortSensitivityRows,
  ticks,
  type ExplorerUrlState,
  type OutcomeFilter,
} from '../../../src/state/explorerModel.ts';
import { tabFromHash } from '../../../src/state/uiStore.ts';
import { makePair } from '../core/fixtures.ts';

// ---------------------------------------------------------------------------------------------
// Crafted results

function gd(pairId: string, slot: ImageSlot, pA: number): CaseRecord {
  return {
    pairId,
    slot,
    method: 'GD',
    answer: pA >= 0.5 ? 'A' : 'B',
    probabilities: { A: pA, B: 1 - pA },
  };
}

function ps(pairId: string, slot: ImageSlot, sA: number, sB: number): CaseRecord {
  return { pairId, slot, method: 'PS', answer: sA > sB ? 'A' : 'B', prefixScores: { A: sA, B: sB } };
}

function mc(pairId: string, slot: ImageSlot, answer: Answer, text = String(answer)): CaseRecord {
  return { pairId, slot, method: 'MC', answer, generatedText: text };
}

// Pair 1: image 1 → A, image 2 → B (makePair), and so on.
const p1 = makePair('1', 'A', ['Cerebral'], ['Cerebral'], { biomedClipSim: 0.95, dinoSim: 0.5 });
const p2 = makePair('2', 'B', ['Cardiac'], ['Vascular'], { question: 'Which chamber is enlarged?' });
const p3 = makePair('3', 'A', ['Spinal'], ['Spinal'], { biomedClipSim: 0.91, dinoSim: 0.7 });
const p4 = makePair('4', 'A', ['Cerebral'], ['Vascular']);
const p5 = makePair('5', 'B', ['Cardiac'], ['Cardiac']);
const pairs: ConfusionPair[] = [p1, p2, p3, p4, p5];

/** GD answers: 1 both right, 2 confused (B,B), 3 swapped (B,A), 4 image 2 missing, 5 not run. */
const gdCases: CaseRecord[] = [
  gd('1', 1, 0.9),
  gd('1', 2, 0.2),
  gd('2', 1, 0.3),
  gd('2', 2, 0.4),
  gd('3', 1, 0.2),
  gd('3', 2, 0.7),
  gd('4', 1, 0.8),
];
/** MC answers: 1 invalid + right, 2 both invalid, 3 both right. */
const mcCases: CaseRecord[] = [
  mc('1', 1, null, 'I am not sure'),
  mc('1', 2, 'B'),
  mc('2', 1, null, ''),
  mc('2', 2, null, 'A or B'),
  mc('3', 1, 'A'),
  mc('3', 2, 'B'),
];
const index = indexRunCases(null, [...gdCases, ...mcCases]);

// ---------------------------------------------------------------------------------------------
// URL state

describe('explorer URL state', () => {
  it('reads the documented form', () => {
    const state = parseExplorerHash(
      '#explorer?pair=10001&run=r-1&compare=r-2&method=GD&cat=Cerebral&outcome=confused&q=carotid+artery&view=scatter&present=1',
    );
    expect(state).toEqual({
      pair: '10001',
      run: 'r-1',
      compare: 'r-2',
      method: 'GD',
      category: 'Cerebral',
      outcome: 'confused',
      query: 'carotid artery',
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

// ---------------------------------------------------------------------------------------------
// Outcomes

describe('outcome classification', () => {
  const pair = { im1Correct: 'A', im2Correct: 'B' } as const;

  it('puts every answered pair in exactly one class', () => {
    expect(classifyPair(pair, 'A', 'B')).toBe('both');
    expect(classifyPair(pair, 'A', 'A')).toBe('confused');
    expect(classifyPair(pair, 'B', 'B')).toBe('confused');
    expect(classifyPair(pair, 'B', 'A')).toBe('none');
    expect(classifyPair(pair, null, 'B')).toBe('invalid');
    expect(classifyPair(pair, 'A', null)).toBe('invalid');
    expect(classifyPair(pair, null, null)).toBe('invalid');
    expect(classifyPair(pair, undefined, 'B')).toBe('not-run');
    expect(classifyPair(pair, 'A', undefined)).toBe('not-run');
  });

  it('counts the images answered correctly', () => {
    expect(correctCount(pair, 'A', 'B')).toBe(2);
    expect(correctCount(pair, 'A', 'A')).toBe(1);
    expect(correctCount(pair, null, 'B')).toBe(1);
    expect(correctCount(pair, 'B', 'A')).toBe(0);
    expect(correctCount(pair, null, null)).toBe(0);
    expect(correctCount(pair, undefined, 'B')).toBeNull();
  });

  it('matches the outcome filters: right on both / one / none, confused, invalid, not run', () => {
    const cases: [Answer | undefined, Answer | undefined, OutcomeFilter[]][] = [
      ['A', 'B', ['', 'both']],
      ['A', 'A', ['', 'one', 'confused']],
      ['B', 'B', ['', 'one', 'confused']],
      ['B', 'A', ['', 'none']],
      [null, 'B', ['', 'one', 'invalid']],
      [null, 'A', ['', 'none', 'invalid']],
      [null, null, ['', 'none', 'invalid']],
      [undefined, 'B', ['', 'not-run']],
      [undefined, undefined, ['', 'not-run']],
    ];
    for (const [a1, a2, expected] of cases) {
      const matched = (['', ...OUTCOME_FILTERS] as OutcomeFilter[]).filter((f) =>
        matchesOutcome(f, pair, a1, a2),
      );
      expect({ a1, a2, matched }).toEqual({ a1, a2, matched: expected });
    }
  });

  it('counts outcomes over pairs for legends', () => {
    expect(countOutcomes(pairs, index, 'GD')).toEqual({
      both: 1,
      confused: 1,
      none: 1,
      invalid: 0,
      'not-run': 2,
    });
    expect(countOutcomes(pairs, index, 'MC')).toEqual({
      both: 1,
      confused: 0,
      none: 0,
      invalid: 2,
      'not-run': 2,
    });
    expect(countOutcomes(pairs, index, null)['not-run']).toBe(5);
  });
});

// ---------------------------------------------------------------------------------------------
// Sensitivity

describe('image sensitivity', () => {
  it('GD: |pA(image 1) − pA(image 2)|', () => {
    expect(sensitivity('GD', gd('x', 1, 0.9), gd('x', 2, 0.3))).toBeCloseTo(0.6, 12);
    expect(sensitivity('GD', gd('x', 1, 0.3), gd('x', 2, 0.9))).toBeCloseTo(0.6, 12);
    expect(sensitivity('GD', gd('x', 1, 0.42), gd('x', 2, 0.42))).toBe(0);
    expect(pairSensitivity(index, '2', 'GD')).toBeCloseTo(0.1, 12);
  });

  it('PS: difference of the normalised prefix scores sA / (sA + sB)', () => {
    // 0.2 / 0.8 = 0.25 and 0.5 / 1 = 0.5.
    expect(sensitivity('PS', ps('x', 1, 0.2, 0.6), ps('x', 2, 0.5, 0.5))).toBeCloseTo(0.25, 12);
    // Scaling both scores of an image leaves its share, and so the sensitivity, unchanged.
    expect(sensitivity('PS', ps('x', 1, 0.02, 0.06), ps('x', 2, 0.5, 0.5))).toBeCloseTo(0.25, 12);
    expect(psShareA(ps('x', 1, 0.3, 0.1))).toBeCloseTo(0.75, 12);
  });

  it('PS: recomputes the scores from token log-probabilities when they were not recorded', () => {
    const fromTokens = (slot: ImageSlot, a: number[], b: number[]): CaseRecord => ({
      pairId: 'x',
      slot,
      method: 'PS',
      answer: 'A',
      tokenLogProbs: { A: a, B: b },
    });
    // exp(mean) = exp(log 0.2) = 0.2 and 0.6 → share 0.25; second image equal scores → 0.5.
    const c1 = fromTokens(1, [Math.log(0.2), Math.log(0.2)], [Math.log(0.6)]);
    const c2 = fromTokens(2, [Math.log(0.3)], [Math.log(0.3)]);
    expect(sensitivity('PS', c1, c2)).toBeCloseTo(0.25, 12);
  });

  it('PS: undefined when an image has no usable scores', () => {
    expect(sensitivity('PS', ps('x', 1, 0, 0), ps('x', 2, 0.5, 0.5))).toBeNull();
    expect(
      sensitivity('PS', { pairId: 'x', slot: 1, method: 'PS', answer: 'A' }, ps('x', 2, 1, 1)),
    ).toBeNull();
  });

  it('MC: 0 for the same parsed answer, 1 otherwise', () => {
    expect(sensitivity('MC', mc('x', 1, 'A'), mc('x', 2, 'A'))).toBe(0);
    expect(sensitivity('MC', mc('x', 1, 'A'), mc('x', 2, 'B'))).toBe(1);
    expect(sensitivity('MC', mc('x', 1, null), mc('x', 2, null))).toBe(0);
    expect(sensitivity('MC', mc('x', 1, null), mc('x', 2, 'B'))).toBe(1);
    expect(pairSensitivity(index, '3', 'MC')).toBe(1);
  });

  it('is undefined while an image is not run', () => {
    expect(sensitivity('GD', gd('x', 1, 0.5), undefined)).toBeNull();
    expect(pairSensitivity(index, '4', 'GD')).toBeNull();
    expect(pairSensitivity(index, '5', 'MC')).toBeNull();
    expect(pairSensitivity(null, '1', 'GD')).toBeNull();
  });

  it('documents every method', () => {
    for (const m of METHODS) expect(SENSITIVITY_DEFINITIONS[m].length).toBeGreaterThan(20);
    expect(SENSITIVITY_DEFINITIONS.GD).toContain('|pA(image 1) − pA(image 2)|');
  });

  it('ranks the least sensitive pairs first, pairs without a value last', () => {
    const rows = sortSensitivityRows(sensitivityRows(pairs, index, null, 'GD'), DEFAULT_SORT);
    expect(
      rows.map((r) => [r.pair.id, r.sensitivity === null ? null : Number(r.sensitivity.toFixed(3))]),
    ).toEqual([
      ['2', 0.1],
      ['3', 0.5],
      ['1', 0.7],
      ['4', null],
      ['5', null],
    ]);
    const desc = sortSensitivityRows(sensitivityRows(pairs, index, null, 'GD'), {
      key: 'sensitivity',
      descending: true,
    });
    expect(desc.map((r) => r.pair.id)).toEqual(['1', '3', '2', '4', '5']);
    expect(desc[0]?.outcome).toBe('both');
  });

  it('sorts by pair id numerically and by similarity with missing values last', () => {
    const many = ['10', '9', '100'].map((id) => makePair(id, 'A', ['Cerebral'], ['Cerebral']));
    const byId = sortSensitivityRows(sensitivityRows(many, null, null, 'GD'), {
      key: 'pair',
      descending: false,
    });
    expect(byId.map((r) => r.pair.id)).toEqual(['9', '10', '100']);
    const byClip = sortSensitivityRows(sensitivityRows(pairs, index, null, 'GD'), {
      key: 'biomedclip',
      descending: true,
    });
    expect(byClip.map((r) => r.pair.id)).toEqual(['1', '3', '2', '4', '5']);
  });

  it('gives the compared run its own column', () => {
    const other = indexRunCases(null, [gd('1', 1, 0.5), gd('1', 2, 0.5)]);
    const rows = sensitivityRows([p1], index, other, 'GD');
    expect(rows[0]?.compareSensitivity).toBe(0);
    expect(rows[0]?.compareOutcome).toBe('confused');
  });
});

// ---------------------------------------------------------------------------------------------
// Cases, filters, navigation

describe('indexRunCases', () => {
  it('keeps the latest case and drops cases made with another prompt', () => {
    const run = { promptHashes: { GD: 'h1' } };
    const cases = [
      { ...gd('1', 1, 0.9), promptHash: 'h1', computedAt: 5 },
      { ...gd('1', 1, 0.1), promptHash: 'h1', computedAt: 3 },
      { ...gd('1', 2, 0.2), promptHash: 'other', computedAt: 9 },
      { ...gd('1', 2, 0.3), promptHash: 'h1', computedAt: 1 },
      { ...mc('1', 1, 'A'), computedAt: 1 },
      { ...mc('1', 1, 'B'), computedAt: 1 },
    ];
    const idx = indexRunCases(run, cases);
    expect(idx.get('1')?.[1].GD?.probabilities?.A).toBe(0.9);
    expect(idx.get('1')?.[2].GD?.probabilities?.A).toBe(0.3);
    // Same time: the later record wins, as it would in storage order.
    expect(idx.get('1')?.[1].MC?.answer).toBe('B');
  });

  it('offers the declared methods and those the cases use', () => {
    expect(availableMethods(['PS'], index)).toEqual(['GD', 'PS', 'MC']);
    expect(availableMethods([], null)).toEqual([]);
    expect(resolveMethod('MC', ['GD', 'MC'])).toBe('MC');
    expect(resolveMethod('PS', ['GD', 'MC'])).toBe('GD');
    expect(resolveMethod(null, ['PS'])).toBe('PS');
    expect(resolveMethod('PS', [])).toBe('PS');
  });
});

describe('filterExplorerPairs', () => {
  const none = { category: '', outcome: '' as OutcomeFilter, query: '' };
  const ids = (ps: ConfusionPair[]) => ps.map((p) => p.id);

  it('filters by category of either image and by question text', () => {
    expect(ids(filterExplorerPairs(pairs, { ...none, category: 'Cardiac' }, null, null))).toEqual(['2', '5']);
    expect(ids(filterExplorerPairs(pairs, { ...none, category: 'Vascular' }, null, null))).toEqual([
      '2',
      '4',
    ]);
    expect(ids(filterExplorerPairs(pairs, { ...none, query: 'CHAMBER enlarged' }, null, null))).toEqual([
      '2',
    ]);
  });

  it('filters by the outcome of the chosen method', () => {
    const by = (outcome: OutcomeFilter, method: Method) =>
      ids(filterExplorerPairs(pairs, { ...none, outcome }, index, method));
    expect(by('confused', 'GD')).toEqual(['2']);
    expect(by('both', 'GD')).toEqual(['1']);
    expect(by('one', 'GD')).toEqual(['2']);
    expect(by('none', 'GD')).toEqual(['3']);
    expect(by('not-run', 'GD')).toEqual(['4', '5']);
    expect(by('invalid', 'MC')).toEqual(['1', '2']);
    expect(by('one', 'MC')).toEqual(['1']);
    expect(by('both', 'MC')).toEqual(['3']);
  });

  it('combines the filters, and ignores the outcome without a run', () => {
    expect(
      ids(filterExplorerPairs(pairs, { category: 'Cerebral', outcome: 'not-run', query: '' }, index, 'GD')),
    ).toEqual(['4']);
    expect(ids(filterExplorerPairs(pairs, { ...none, outcome: 'confused' }, null, null))).toHaveLength(5);
  });
});

describe('navigation', () => {
  const list = [p1, p3, p5];

  it('steps within the filtered list without wrapping', () => {
    expect(neighbourPair(pairs, list, '3', 1)?.id).toBe('5');
    expect(neighbourPair(pairs, list, '3', -1)?.id).toBe('1');
    expect(neighbourPair(pairs, list, '5', 1)).toBeNull();
    expect(neighbourPair(pairs, list, '1', -1)).toBeNull();
    expect(neighbourPair(pairs, [], '1', 1)).toBeNull();
  });

  it('moves from a pair outside the list to the nearest listed one in that direction', () => {
    expect(neighbourPair(pairs, list, '2', 1)?.id).toBe('3');
    expect(neighbourPair(pairs, list, '4', -1)?.id).toBe('3');
    expect(neighbourPair(pairs, list, null, 1)?.id).toBe('1');
  });

  it('shows the pair asked for, else the first listed', () => {
    expect(resolveCurrentPair(pairs, list, '2')?.id).toBe('2');
    expect(resolveCurrentPair(pairs, list, 'nope')?.id).toBe('1');
    expect(resolveCurrentPair(pairs, list, null)?.id).toBe('1');
    expect(resolveCurrentPair(pairs, [], null)).toBeNull();
  });

  it('decodes the current images first, then the neighbours by distance', () => {
    expect(imageWindow(list, p3, 1)).toEqual(['31', '32', '51', '52', '11', '12']);
    expect(imageWindow(list, p1, 2)).toEqual(['11', '12', '31', '32', '51', '52']);
    expect(imageWindow(list, p2, 2)).toEqual(['21', '22']);
    const shared = makePair('6', 'A', ['Cerebral'], ['Cerebral'], { im1Local: '11', im2Local: '31' });
    expect(imageWindow([p1, shared, p3], shared, 1)).toEqual(['11', '31', '32', '12']);
  });
});

describe('similarity axes', () => {
  it('covers the data and the paper threshold', () => {
    const d = axisDomain([0.9000483, 0.9675555], PAPER_THRESHOLDS.biomedClipMin, 0.02);
    expect(d.min).toBeLessThan(0.9);
    expect(d.max).toBeGreaterThanOrEqual(0.9675555);
    const y = axisDomain([0.3336368, 0.7401051, null], PAPER_THRESHOLDS.dinoMax, 0.05);
    expect(y.min).toBeLessThanOrEqual(0.3336368);
    expect(y.max).toBeGreaterThanOrEqual(0.75);
    expect(ticks({ min: 0.3, max: 0.5 }, 0.05)).toEqual([0.3, 0.35, 0.4, 0.45, 0.5]);
  });

  it('still draws the threshold without data', () => {
    const d = axisDomain([], 0.75, 0.05);
    expect(d.min).toBeLessThan(0.75);
    expect(d.max).toBeGreaterThan(0.75);
  });
});
