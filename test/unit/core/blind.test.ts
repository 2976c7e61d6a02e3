import { describe, expect, it } from 'vitest';
import { blindBaseline } from '../../../src/core/blind.ts';
import type { CaseRecord, ConfusionPair } from '../../../src/core/types.ts';

const pair = (id: string, im1Correct: 'A' | 'B', im2Correct: 'A' | 'B') =>
  ({ id, im1Correct, im2Correct }) as unknown as ConfusionPair;
const rec = (
  pairId: string,
  slot: 1 | 2,
  answer: 'A' | 'B' | null,
  method: 'GD' | 'PS' = 'GD',
): CaseRecord => ({
  pairId,
  slot,
  method,
  answer,
});

describe('blind baseline', () => {
  const dataset = { pairs: [pair('1', 'A', 'B'), pair('2', 'B', 'A')] };

  it('is 100 % unchanged for a model that ignores the image', () => {
    const real = [rec('1', 1, 'A'), rec('1', 2, 'A'), rec('2', 1, 'B'), rec('2', 2, 'B')];
    const blank = real.map((r) => ({ ...r }));
    const b = blindBaseline(dataset, real, blank, 'GD');
    expect(b).toEqual({
      method: 'GD',
      casesCompared: 4,
      blankAccuracy: 50,
      realAccuracy: 50,
      unchangedShare: 100,
    });
  });

  it('counts by hand: none unchanged, blank right on 1 of 4, real right on 3', () => {
    const real = [rec('1', 1, 'A'), rec('1', 2, 'B'), rec('2', 1, 'B'), rec('2', 2, 'B')];
    const blank = [rec('1', 1, 'B'), rec('1', 2, 'A'), rec('2', 1, 'A'), rec('2', 2, 'A')];
    // real vs blank per case: A/B, B/A, B/A, B/A → none unchanged; truth A, B, B, A →
    // real right on 3 (all but 2/2), blank right on 1 (2/2).
    const b = blindBaseline(dataset, real, blank, 'GD');
    expect(b.unchangedShare).toBe(0);
    expect(b.blankAccuracy).toBe(25);
    expect(b.realAccuracy).toBe(75);
  });

  it('compares only cases answered both ways, and only the chosen method', () => {
    const real = [rec('1', 1, 'A'), rec('1', 2, 'B'), rec('1', 1, 'B', 'PS')];
    const blank = [rec('1', 1, 'A'), rec('1', 1, 'A', 'PS')];
    expect(blindBaseline(dataset, real, blank, 'GD').casesCompared).toBe(1);
    expect(blindBaseline(dataset, real, blank, 'PS')).toMatchObject({ casesCompared: 1, unchangedShare: 0 });
  });
});
