// The rate and ETA maths behind every progress line (downloads, runs).
import { describe, expect, it } from 'vitest';
import { RateMeter, etaSeconds } from '../../../src/state/engineClient.ts';

describe('RateMeter and etaSeconds', () => {
  it('measures the rate over the window and ignores older samples', () => {
    const meter = new RateMeter(10_000);
    expect(meter.rate()).toBeNull();
    meter.add(0, 0);
    meter.add(200, 1);
    expect(meter.rate()).toBeNull(); // under 0.5 s of data: too noisy to show
    meter.add(1000, 10);
    expect(meter.rate()).toBeCloseTo(10);
    // Slow for 10 s: the fast start drops out of the 10 s window.
    for (let t = 2000; t <= 21_000; t += 1000) meter.add(t, 10 + (t - 1000) / 1000);
    expect(meter.rate()).toBeCloseTo(1);
  });

  it('restarts when the counter goes back', () => {
    const meter = new RateMeter();
    meter.add(0, 100);
    meter.add(1000, 200);
    meter.add(2000, 5);
    expect(meter.rate()).toBeNull();
  });

  it('turns remaining work and a rate into seconds', () => {
    expect(etaSeconds(100, 4)).toBe(25);
    expect(etaSeconds(0, null)).toBe(0);
    expect(etaSeconds(10, null)).toBeNull();
    expect(etaSeconds(10, 0)).toBeNull();
    expect(etaSeconds(10, Number.NaN)).toBeNull();
  });
});
