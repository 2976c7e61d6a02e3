import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeMetrics } from '../../../src/core/metrics.ts';
import { OFFICIAL_CATEGORIES } from '../../../src/core/datasetFields.ts';
import type { Answer, ConfusionPair, Dataset, Letter, PairAnswers } from '../../../src/core/types.ts';
import { makeDataset, makePair } from './fixtures.ts';

const letterArb = fc.constantFrom<Letter>('A', 'B');
const answerArb = fc.constantFrom<Answer>('A', 'B', null);
const categoriesArb = fc.uniqueArray(fc.constantFrom(...OFFICIAL_CATEGORIES), { minLength: 1, maxLength: 3 });

/** A small random dataset with random answers for every image. */
const runArb = fc
  .array(
    fc.record({ c: letterArb, cat1: categoriesArb, cat2: categoriesArb, a1: answerArb, a2: answerArb }),
    {
      minLength: 1,
      maxLength: 12,
    },
  )
  .map((rows) => {
    const pairs = rows.map((r, i) => makePair(String(10001 + i), r.c, r.cat1, r.cat2));
    const answers: PairAnswers = new Map(rows.map((r, i) => [String(10001 + i), { 1: r.a1, 2: r.a2 }]));
    return { dataset: makeDataset(pairs), answers };
  });

function swapImages(p: ConfusionPair): ConfusionPair {
  return {
    ...p,
    im1Correct: p.im2Correct,
    im2Correct: p.im1Correct,
    im1Local: p.im2Local,
    im2Local: p.im1Local,
    im1Path: p.im2Path,
    im2Path: p.im1Path,
    caption1: p.caption2,
    caption2: p.caption1,
    category1: p.category2,
    category2: p.category1,
  };
}

describe('metric properties', () => {
  it('0 ≤ set ≤ individual ≤ (set + 100) / 2, and confusion and invalid rate lie in [0, 100]', () => {
    fc.assert(
      fc.property(runArb, ({ dataset, answers }) => {
        const m = computeMetrics(dataset, answers);
        const eps = 1e-9;
        expect(m.setAccuracy).toBeGreaterThanOrEqual(0);
        expect(m.setAccuracy).toBeLessThanOrEqual(m.individualAccuracy + eps);
        // individual = (2·set pairs + one-right pairs) / 2N and set pairs + one-right pairs ≤ N
        expect(m.individualAccuracy).toBeLessThanOrEqual((m.setAccuracy + 100) / 2 + eps);
        expect(m.confusion).toBeGreaterThanOrEqual(0);
        expect(m.confusion).toBeLessThanOrEqual(100);
        expect(m.invalidRate).toBeGreaterThanOrEqual(0);
        expect(m.invalidRate).toBeLessThanOrEqual(100);
        for (const c of Object.values(m.byCategory)) {
          for (const v of [c.setAccuracy, c.individualAccuracy, c.confusion, c.invalidRate]) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(100 + eps);
          }
        }
      }),
    );
  });

  it('swapping the two images of every pair (with their answers) changes nothing', () => {
    fc.assert(
      fc.property(runArb, ({ dataset, answers }) => {
        const swapped: Dataset = makeDataset(dataset.pairs.map(swapImages));
        const swappedAnswers: PairAnswers = new Map(
          [...answers].map(([id, a]) => [id, { 1: a[2] as Answer, 2: a[1] as Answer }]),
        );
        expect(computeMetrics(swapped, swappedAnswers)).toEqual(computeMetrics(dataset, answers));
      }),
    );
  });

  it('does not depend on pair order', () => {
    fc.assert(
      fc.property(
        runArb.chain((run) =>
          fc
            .shuffledSubarray(run.dataset.pairs, { minLength: run.dataset.pairs.length })
            .map((order) => ({ run, order })),
        ),
        ({ run, order }) => {
          const reordered = makeDataset(order);
          expect(computeMetrics(reordered, run.answers)).toEqual(computeMetrics(run.dataset, run.answers));
        },
      ),
    );
  });

  it('a partial run scores exactly like the dataset of its complete pairs', () => {
    fc.assert(
      fc.property(
        runArb,
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        ({ dataset, answers }, drop) => {
          const partial: PairAnswers = new Map(
            [...answers].map(([id, a], i) => [id, drop[i] ? { 1: a[1] as Answer } : a]),
          );
          const kept = dataset.pairs.filter((_, i) => !drop[i]);
          const m = computeMetrics(dataset, partial);
          if (kept.length === 0) {
            expect(m.counts.pairsRun).toBe(0);
            return;
          }
          const sub = computeMetrics(makeDataset(kept), partial);
          expect({ ...m, counts: { ...m.counts, pairsTotal: 0, casesRun: 0 } }).toEqual({
            ...sub,
            counts: { ...sub.counts, pairsTotal: 0, casesRun: 0 },
          });
        },
      ),
    );
  });
});
