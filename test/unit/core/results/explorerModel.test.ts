// The Explorer's per-pair rules on crafted results: outcome classification, the case index, methods
// to offer, filtering, navigation and the image prefetch window.
import { describe, expect, it } from 'vitest';
import type { Answer, ConfusionPair, Method } from '../../../../src/core/types.ts';
import {
  availableMethods,
  classifyPair,
  correctCount,
  countOutcomes,
  filterExplorerPairs,
  imageWindow,
  indexRunCases,
  matchesOutcome,
  neighbourPair,
  resolveCurrentPair,
  resolveMethod,
} from '../../../../src/core/results/explorerModel.ts';
import { OUTCOME_FILTERS, type OutcomeFilter } from '../../../../src/core/results/explorerUrl.ts';
import { makePair } from '../fixtures.ts';
import { gd, index, mc, p1, p2, p3, p5, pairs } from './explorerFixtures.ts';

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

describe('the flipped filter (against the compared run)', () => {
  const none = { category: '', outcome: '' as OutcomeFilter, query: '' };
  const ids = (ps: ConfusionPair[]) => ps.map((p) => p.id);
  // Main GD: 1 (A,B), 2 (B,B), 3 (B,A), 4 (A,–), 5 not run. Compared: 1 (A,A) image 2 flipped,
  // 2 and 3 the same, 4 (B,B) image 1 flipped (image 2 unanswered in the main run), 5 not compared.
  const compared = indexRunCases(null, [
    gd('1', 1, 0.9),
    gd('1', 2, 0.9),
    gd('2', 1, 0.3),
    gd('2', 2, 0.4),
    gd('3', 1, 0.2),
    gd('3', 2, 0.7),
    gd('4', 1, 0.1),
    gd('4', 2, 0.1),
    gd('5', 1, 0.9),
    gd('5', 2, 0.1),
  ]);

  it('keeps the pairs with an image answered differently, with the other filters', () => {
    const flipped = { ...none, flipped: true };
    expect(ids(filterExplorerPairs(pairs, flipped, index, 'GD', compared))).toEqual(['1', '4']);
    expect(ids(filterExplorerPairs(pairs, { ...flipped, outcome: 'both' }, index, 'GD', compared))).toEqual([
      '1',
    ]);
    expect(
      ids(filterExplorerPairs(pairs, { ...flipped, category: 'Cardiac' }, index, 'GD', compared)),
    ).toEqual([]);
  });

  it('keeps everything without a compared run or a method', () => {
    expect(filterExplorerPairs(pairs, { ...none, flipped: true }, index, 'GD', null)).toHaveLength(5);
    expect(filterExplorerPairs(pairs, { ...none, flipped: true }, index, null, compared)).toHaveLength(5);
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
