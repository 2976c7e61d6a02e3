import { describe, expect, it } from 'vitest';
import { describeSelection, parsePairIds, selectPairs } from '../../../../src/core/run/selection.ts';
import { makePair } from '../fixtures.ts';

const pairs = [
  makePair('p1', 'A', ['Cerebral'], ['Cerebral']),
  makePair('p2', 'B', ['Cardiac'], ['Cardiac']),
  makePair('p3', 'A', ['Cardiac'], ['Spinal']),
];

describe('pair selection', () => {
  it('chooses all, the first N, a category or listed ids, in dataset order', () => {
    expect(selectPairs(pairs, { kind: 'all' }).pairs.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);
    expect(selectPairs(pairs, { kind: 'first', count: 2 }).pairs.map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(selectPairs(pairs, { kind: 'category', category: 'Spinal' }).pairs.map((p) => p.id)).toEqual([
      'p3',
    ]);
    const ids = selectPairs(pairs, { kind: 'ids', ids: ['p3', 'x9', 'p1'] });
    expect(ids.pairs.map((p) => p.id)).toEqual(['p1', 'p3']);
    expect(ids.unknownIds).toEqual(['x9']);
  });

  it('reads typed ids and describes the choice', () => {
    expect(parsePairIds(' 10003, 10005;10005\n10007 ')).toEqual(['10003', '10005', '10007']);
    expect(describeSelection({ kind: 'first', count: 3 }, 3, 176)).toBe('first 3 pairs');
    expect(describeSelection({ kind: 'all' }, 176, 176)).toBe('all 176 pairs');
    expect(describeSelection({ kind: 'category', category: 'Cardiac' }, 26, 176)).toBe(
      'category Cardiac (26 pairs)',
    );
    expect(describeSelection({ kind: 'ids', ids: ['10003', '10005'] }, 2, 176)).toBe('pairs 10003, 10005');
  });
});
