// The similarity scatter's axes: ranges covering the data and the paper's thresholds, and ticks.
import { describe, expect, it } from 'vitest';
import { PAPER_THRESHOLDS, axisDomain, ticks } from '../../../../src/core/results/scatterAxes.ts';

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
