// A run's metrics: numbers equal the core functions called directly, the bootstrap is memoised on
// the answers, hand-counted numbers on a crafted dataset, and the cases that count.
import { describe, expect, it } from 'vitest';
import { bestAcrossMethods, computeMetrics, pairAnswersFromRecords } from '../../../../src/core/metrics.ts';
import { binomialTest, bootstrapConfidenceIntervals } from '../../../../src/core/statistics.ts';
import type { CaseRecord, Method } from '../../../../src/core/types.ts';
import {
  computeRunResults,
  effectiveCases,
  memoizedBootstrap,
} from '../../../../src/core/results/runResults.ts';
import { makeDataset, makePair, officialDataset } from '../fixtures.ts';
import { makeRun, randomRecords } from './fixtures.ts';

const METHODS_RUN: Method[] = ['GD', 'PS', 'MC'];
const records = randomRecords(officialDataset, METHODS_RUN, 11);
const run = makeRun('run-1', officialDataset);

describe('computeRunResults', () => {
  const results = computeRunResults(run, records, officialDataset);

  it('equals computeMetrics, the bootstrap and the binomial test called directly', () => {
    expect(results.methods).toEqual(['GD', 'PS', 'MC']);
    for (const m of METHODS_RUN) {
      const answers = pairAnswersFromRecords(records, m);
      const direct = computeMetrics(officialDataset, answers);
      const r = results.byMethod[m]!;
      expect(r.metrics).toEqual(direct);
      const ci = bootstrapConfidenceIntervals(officialDataset, answers, {
        iterations: 2000,
        seed: 1,
        level: 0.95,
      });
      expect(r.setAccuracyCI).toEqual(ci.setAccuracy);
      expect(r.individualAccuracyCI).toEqual(ci.individualAccuracy);
      const p = binomialTest(direct.counts.setCorrect, direct.counts.pairsRun, 0.25).pValueGreater;
      expect(r.vsRandom).toEqual({ pValue: p, significant: p < 0.05 });
    }
    expect(results.best).toEqual(
      bestAcrossMethods(
        Object.fromEntries(
          METHODS_RUN.map((m) => [m, computeMetrics(officialDataset, pairAnswersFromRecords(records, m))]),
        ),
      ),
    );
    expect(results.coverage).toEqual({
      casesRun: 176 * 2 * 3,
      casesExpected: 176 * 2 * 3,
      pairsTotal: 176,
      pairsNotRun: [],
      complete: true,
    });
    expect(results.bootstrap).toEqual({ iterations: 2000, seed: 1, level: 0.95 });
  });

  it('memoises the bootstrap on the answers themselves', () => {
    const answers = pairAnswersFromRecords(records, 'GD');
    const a = memoizedBootstrap(officialDataset, answers);
    expect(memoizedBootstrap(officialDataset, new Map(answers))).toBe(a);
    const changed = new Map(answers);
    const first = officialDataset.pairs[0]!.id;
    changed.set(first, { 1: answers.get(first)![1] === 'A' ? 'B' : 'A', 2: answers.get(first)![2] });
    expect(memoizedBootstrap(officialDataset, changed)).not.toBe(a);
  });

  it('matches hand-counted numbers on a crafted dataset', () => {
    const dataset = makeDataset([
      makePair('p1', 'A', ['Cerebral'], ['Cerebral']),
      makePair('p2', 'B', ['Cardiac'], ['Vascular']),
      makePair('p3', 'A', ['Spinal'], ['Spinal']),
      makePair('p4', 'B', ['Pulmonary'], ['Cardiac']),
    ]);
    const rec = (pairId: string, slot: 1 | 2, method: Method, answer: 'A' | 'B' | null): CaseRecord => ({
      pairId,
      slot,
      method,
      answer,
    });
    const crafted = [
      // GD: p1 right/right, p2 right/right, p3 confused (A, A), p4 wrong/wrong
      rec('p1', 1, 'GD', 'A'),
      rec('p1', 2, 'GD', 'B'),
      rec('p2', 1, 'GD', 'B'),
      rec('p2', 2, 'GD', 'A'),
      rec('p3', 1, 'GD', 'A'),
      rec('p3', 2, 'GD', 'A'),
      rec('p4', 1, 'GD', 'A'),
      rec('p4', 2, 'GD', 'B'),
      // MC: only p1 run, second image invalid; p2 half run (not scored)
      rec('p1', 1, 'MC', 'A'),
      rec('p1', 2, 'MC', null),
      rec('p2', 1, 'MC', 'B'),
    ];
    const r = computeRunResults(
      makeRun('crafted', dataset, { methods: ['GD', 'MC'], promptHashes: {} }),
      crafted,
      dataset,
    );
    const gd = r.byMethod.GD!;
    expect(gd.metrics.setAccuracy).toBe(50);
    expect(gd.metrics.individualAccuracy).toBe(62.5);
    expect(gd.metrics.confusion).toBe(25);
    expect(gd.metrics).toEqual(computeMetrics(dataset, pairAnswersFromRecords(crafted, 'GD')));
    expect(gd.pairsNotRun).toEqual([]);
    const mc = r.byMethod.MC!;
    expect(mc.metrics.counts).toMatchObject({ pairsRun: 1, casesRun: 3, setCorrect: 0, invalidAnswers: 1 });
    expect(mc.pairsNotRun).toEqual(['p2', 'p3', 'p4']);
    expect(r.coverage).toEqual({
      casesRun: 11,
      casesExpected: 16,
      pairsTotal: 4,
      pairsNotRun: ['p2', 'p3', 'p4'],
      complete: false,
    });
    expect(r.best).toMatchObject({ bestSetMethod: 'GD', bestSetAccuracy: 50 });
  });

  it('ignores cases from another prompt and lets the latest answer of a case win', () => {
    const base = { pairId: 'x', slot: 1 as const, method: 'GD' as const };
    const kept = effectiveCases({ promptHashes: { GD: 'h' } }, [
      { ...base, answer: 'B', promptHash: 'h', computedAt: 20 },
      { ...base, answer: 'A', promptHash: 'h', computedAt: 10 },
      { ...base, answer: null, promptHash: 'other', computedAt: 30 },
    ]);
    expect(kept.map((c) => c.answer)).toEqual(['A', 'B']);
  });

  it('refuses a run on another dataset', () => {
    expect(() => computeRunResults({ ...run, datasetHash: 'ffff' }, records, officialDataset)).toThrow(
      /answers dataset ffff/,
    );
  });
});
