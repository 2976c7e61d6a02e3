// Image sensitivity per method on crafted cases (GD, PS from scores or token log-probabilities, MC),
// and the sensitivity list's rows and sort order.
import { describe, expect, it } from 'vitest';
import type { CaseRecord, ImageSlot } from '../../../../src/core/types.ts';
import { METHODS } from '../../../../src/core/types.ts';
import { indexRunCases } from '../../../../src/core/results/explorerModel.ts';
import { DEFAULT_SORT } from '../../../../src/core/results/explorerUrl.ts';
import {
  SENSITIVITY_DEFINITIONS,
  pairSensitivity,
  psShareA,
  sensitivity,
  sensitivityRows,
  sortSensitivityRows,
} from '../../../../src/core/results/sensitivity.ts';
import { makePair } from '../fixtures.ts';
import { gd, index, mc, p1, pairs, ps } from './explorerFixtures.ts';

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
    // Each method has its own definition (no copy left over from another method).
    expect(new Set(METHODS.map((m) => SENSITIVITY_DEFINITIONS[m])).size).toBe(METHODS.length);
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
