import { describe, expect, it } from 'vitest';
import {
  SCORE_TABLE_KEYS,
  bestAcrossMethods,
  computeMetrics,
  emptyScoreTable,
  pairAnswersFromRecords,
  pairScoreTable,
  sumScoreTables,
  type MethodMetrics,
} from '../../../src/core/metrics.ts';
import { mulberry32 } from '../../../src/core/statistics.ts';
import type { Answer, PairAnswers } from '../../../src/core/types.ts';
import {
  answersOf,
  makeDataset,
  makePair,
  officialDataset,
  officialStatistics,
  randomAnswers,
} from './fixtures.ts';

const CATS = Object.keys(officialStatistics);

describe('pairScoreTable (official create_score_table)', () => {
  const pair = makePair('1', 'A', ['Cerebral', 'Vascular'], ['Cerebral']);

  it('has every key, every category in statistics.json order plus total, all zero when nothing counts', () => {
    const t = pairScoreTable(pair, 'B', 'A'); // both wrong, not confused
    expect(Object.keys(t)).toEqual([...SCORE_TABLE_KEYS]);
    for (const key of SCORE_TABLE_KEYS) expect(Object.keys(t[key])).toEqual([...CATS, 'total']);
    expect(t.set_score.total + t.individual_score.total + t.confused.total + t.invalid.total).toBe(0);
    expect(t.valids).toMatchObject({ total: 1, Cerebral: 2, Vascular: 1 });
    expect(t.valid_pairs).toMatchObject({ total: 1, Cerebral: 2, Vascular: 1 });
  });

  it('counts a set-correct pair over category_1 + category_2', () => {
    const t = pairScoreTable(pair, 'A', 'B');
    expect(t.set_score).toMatchObject({ total: 1, Cerebral: 2, Vascular: 1, Spinal: 0 });
    expect(t.individual_score).toMatchObject({ total: 2, Cerebral: 2, Vascular: 1 });
    expect(t.confused.total).toBe(0);
  });

  it('counts individual correctness per image with that image’s categories', () => {
    const t = pairScoreTable(pair, 'A', 'A'); // image 1 right, image 2 wrong, confused
    expect(t.individual_score).toMatchObject({ total: 1, Cerebral: 1, Vascular: 1 });
    expect(t.confused).toMatchObject({ total: 1, Cerebral: 2, Vascular: 1 });
    expect(t.valids.total).toBe(1);
    expect(t.valid_pairs.total).toBe(0); // confused pairs are valid but not "valid_pairs"
    const t2 = pairScoreTable(pair, 'B', 'B'); // image 2 right only
    expect(t2.individual_score).toMatchObject({ total: 1, Cerebral: 1, Vascular: 0 });
  });

  it('counts invalid answers per image and never calls two invalid answers confused', () => {
    const t = pairScoreTable(pair, null, null);
    expect(t.invalid).toMatchObject({ total: 2, Cerebral: 2, Vascular: 1 });
    expect(t.confused.total).toBe(0);
    expect(t.valids.total).toBe(0);
    const t2 = pairScoreTable(pair, 'A', null);
    expect(t2.invalid).toMatchObject({ total: 1, Cerebral: 1, Vascular: 0 });
    expect(t2.individual_score.total).toBe(1);
    expect(t2.valids.total).toBe(0);
    expect(t2.set_score.total).toBe(0);
  });

  it('rejects a category outside the table (the official code would raise KeyError)', () => {
    expect(() => pairScoreTable(makePair('x', 'A', ['Dermatology'], ['Cerebral']), 'A', 'B')).toThrow(
      /Dermatology/,
    );
  });

  it('sums element-wise', () => {
    const s = sumScoreTables([pairScoreTable(pair, 'A', 'B'), pairScoreTable(pair, 'A', 'A')]);
    expect(s.individual_score).toMatchObject({ total: 3, Cerebral: 3, Vascular: 2 });
    expect(sumScoreTables([])).toEqual(emptyScoreTable());
  });
});

describe('computeMetrics on the official dataset', () => {
  const all = (f: (correct: 'A' | 'B', slot: 1 | 2) => Answer): PairAnswers =>
    new Map(officialDataset.pairs.map((p) => [p.id, { 1: f(p.im1Correct, 1), 2: f(p.im2Correct, 2) }]));

  it('a fully correct run scores 100 % set and individual accuracy, 0 % confusion', () => {
    const m = computeMetrics(
      officialDataset,
      all((c) => c),
    );
    expect(m.setAccuracy).toBe(100);
    expect(m.individualAccuracy).toBe(100);
    expect(m.confusion).toBe(0);
    expect(m.invalidRate).toBe(0);
    expect(m.counts).toEqual({
      pairsRun: 176,
      pairsTotal: 176,
      casesRun: 352,
      setCorrect: 176,
      individualCorrect: 352,
      confusedPairs: 0,
      validPairs: 176,
      invalidAnswers: 0,
    });
    for (const c of CATS) {
      // The official x / (count / 100) can land one ulp below 100 (79 / 0.79); kept for bitwise parity.
      expect(m.byCategory[c]?.setAccuracy).toBeCloseTo(100, 12);
      expect(m.byCategory[c]?.individualAccuracy).toBeCloseTo(100, 12);
      expect(m.byCategory[c]?.confusion).toBe(0);
      expect(m.byCategory[c]?.questions).toBe(officialStatistics[c]);
    }
  });

  it('answering A everywhere gives 0 % set accuracy, 50 % individual, 100 % confusion', () => {
    const m = computeMetrics(
      officialDataset,
      all(() => 'A'),
    );
    expect(m.setAccuracy).toBe(0);
    expect(m.individualAccuracy).toBe(50); // exactly one image of every pair has A correct
    expect(m.confusion).toBe(100);
    for (const c of CATS) expect(m.byCategory[c]?.confusion).toBe(100);
  });

  it('all invalid: 100 % invalid, confusion 0 (no valid pairs)', () => {
    const m = computeMetrics(
      officialDataset,
      all(() => null),
    );
    expect(m.invalidRate).toBe(100);
    expect(m.confusion).toBe(0);
    expect(m.counts.validPairs).toBe(0);
  });

  it('equals the official print_score formulas applied to the summed per-pair tables', () => {
    for (const seed of [1, 2, 3, 42]) {
      const answers = randomAnswers(officialDataset, mulberry32(seed), 0.15);
      const table = sumScoreTables(
        officialDataset.pairs.map((p) => {
          const a = answers.get(p.id) as { 1: Answer; 2: Answer };
          return pairScoreTable(p, a[1], a[2]);
        }),
      );
      // print_score, transcribed: num = total / 100; 'total' row divides individual/invalid by 2 more.
      const N = officialDataset.pairs.length;
      const g = (k: keyof typeof table, c: string) => table[k][c] as number;
      const m = computeMetrics(officialDataset, answers);
      expect(m.setAccuracy).toBe(g('set_score', 'total') / (N / 100));
      expect(m.individualAccuracy).toBe(g('individual_score', 'total') / (N / 100) / 2);
      expect(m.invalidRate).toBe(g('invalid', 'total') / (N / 100) / 2);
      expect(m.confusion).toBe((g('confused', 'total') / g('valids', 'total')) * 100);
      for (const c of CATS) {
        const num = (officialStatistics[c] as number) / 100;
        const cm = m.byCategory[c] as MethodMetrics['byCategory'][string];
        expect(cm.setAccuracy).toBe(g('set_score', c) / num);
        expect(cm.individualAccuracy).toBe(g('individual_score', c) / num);
        expect(cm.invalidRate).toBe(g('invalid', c) / num);
        expect(cm.confusion).toBe(g('valids', c) > 0 ? (g('confused', c) / g('valids', c)) * 100 : 0);
        expect(cm.validPairs).toBe(g('valids', c));
      }
      expect(m.counts.setCorrect).toBe(g('set_score', 'total'));
      expect(m.counts.individualCorrect).toBe(g('individual_score', 'total'));
      expect(m.counts.confusedPairs).toBe(g('confused', 'total'));
      expect(m.counts.validPairs).toBe(g('valids', 'total'));
      expect(m.counts.invalidAnswers).toBe(g('invalid', 'total'));
    }
  });

  it('reproduces a published number: 27 set-correct pairs of 176 print as 15.34', () => {
    const answers = all((c) => c);
    officialDataset.pairs.slice(27).forEach((p) => answers.set(p.id, { 1: 'A', 2: 'A' }));
    expect(computeMetrics(officialDataset, answers).setAccuracy).toBeCloseTo(15.3409, 4);
  });
});

describe('computeMetrics on crafted pairs (worked by hand)', () => {
  it('excludes invalid answers from confusion exactly as officially', () => {
    const d = makeDataset([
      makePair('1', 'A', ['Cerebral'], ['Cerebral']),
      makePair('2', 'B', ['Cerebral'], ['Cerebral']),
      makePair('3', 'A', ['Cerebral'], ['Cerebral']),
      makePair('4', 'A', ['Cerebral'], ['Cerebral']),
    ]);
    const m = computeMetrics(
      d,
      answersOf([
        ['1', 'A', 'A'], // valid, confused; image 1 right
        ['2', null, 'B'], // one invalid: not a valid pair, not confused; image 2 (correct A) wrong
        ['3', null, null], // both invalid: equal, yet not confused (official: c1 != '-')
        ['4', 'A', 'B'], // valid, set-correct
      ]),
    );
    // valid pairs = {1, 4} → confusion = 1 / 2 = 50 %
    expect(m.counts.validPairs).toBe(2);
    expect(m.counts.confusedPairs).toBe(1);
    expect(m.confusion).toBe(50);
    // invalid = 3 answers of 8 = 37.5 %; individual = (1 + 0 + 0 + 2) / 8 = 37.5 %; set = 1 / 4 = 25 %
    expect(m.invalidRate).toBe(37.5);
    expect(m.individualAccuracy).toBe(37.5);
    expect(m.setAccuracy).toBe(25);
  });

  it('computes per-category numbers as worked out by hand', () => {
    const d = makeDataset([
      makePair('1', 'A', ['Cerebral', 'Vascular'], ['Cerebral']),
      makePair('2', 'B', ['Spinal'], ['Cerebral']),
      makePair('3', 'A', ['Cardiac'], ['Cardiac', 'Pulmonary']),
    ]);
    // Questions per category (category_1 + category_2 occurrences):
    //   Cerebral 2 (pair 1) + 1 (pair 2) = 3; Vascular 1; Spinal 1; Cardiac 2; Pulmonary 1.
    expect(d.categoryCounts).toMatchObject({ Cerebral: 3, Vascular: 1, Spinal: 1, Cardiac: 2, Pulmonary: 1 });
    const m = computeMetrics(
      d,
      answersOf([
        ['1', 'A', 'B'], // set-correct
        ['2', 'B', 'B'], // confused; image 1 right
        ['3', null, 'B'], // image 1 invalid; image 2 right
      ]),
    );
    // set_score:   pair 1 → Cerebral +2, Vascular +1
    // individual:  p1 im1 → Cerebral, Vascular; p1 im2 → Cerebral; p2 im1 → Spinal; p3 im2 → Cardiac, Pulmonary
    // confused:    pair 2 → Spinal +1, Cerebral +1
    // valids:      pair 1 → Cerebral +2, Vascular +1; pair 2 → Spinal +1, Cerebral +1
    // invalid:     p3 im1 → Cardiac +1
    const c = m.byCategory;
    expect(c.Cerebral?.setAccuracy).toBeCloseTo((2 / 3) * 100, 12); // 2 / 3
    expect(c.Cerebral?.individualAccuracy).toBeCloseTo((2 / 3) * 100, 12); // 2 / 3
    expect(c.Cerebral?.confusion).toBeCloseTo((1 / 3) * 100, 12); // confused 1 / valids 3
    expect(c.Cerebral?.validPairs).toBe(3);
    expect(c.Vascular).toMatchObject({
      setAccuracy: 100,
      individualAccuracy: 100,
      confusion: 0,
      questions: 1,
    });
    expect(c.Spinal).toMatchObject({
      setAccuracy: 0,
      individualAccuracy: 100,
      confusion: 100,
      validPairs: 1,
    });
    expect(c.Cardiac).toMatchObject({
      setAccuracy: 0,
      individualAccuracy: 50,
      confusion: 0,
      invalidRate: 50,
    });
    expect(c.Pulmonary).toMatchObject({
      setAccuracy: 0,
      individualAccuracy: 100,
      confusion: 0,
      validPairs: 0,
    });
    expect(c.Musculoskeletal).toMatchObject({ setAccuracy: 0, individualAccuracy: 0, questions: 0 });
    // totals: set 1 / 3; individual 4 / 6; confusion 1 / 2; invalid 1 / 6
    expect(m.setAccuracy).toBeCloseTo(100 / 3, 12);
    expect(m.individualAccuracy).toBeCloseTo(200 / 3, 12);
    expect(m.confusion).toBe(50);
    expect(m.invalidRate).toBeCloseTo(100 / 6, 12);
  });

  it('leaves out pairs with an image not run and recounts category denominators', () => {
    const d = makeDataset([
      makePair('1', 'A', ['Cerebral'], ['Spinal']),
      makePair('2', 'B', ['Cerebral'], ['Cerebral']),
      makePair('3', 'A', ['Spinal'], ['Spinal']),
    ]);
    const answers: PairAnswers = new Map([
      ['1', { 1: 'A', 2: 'B' }],
      ['2', { 1: 'B' }], // image 2 not run: pair excluded
      ['3', { 1: 'B', 2: null }],
      ['999', { 1: 'A', 2: 'A' }], // not in the dataset: ignored
    ]);
    const m = computeMetrics(d, answers);
    expect(m.counts).toMatchObject({ pairsRun: 2, pairsTotal: 3, casesRun: 5, setCorrect: 1 });
    expect(m.setAccuracy).toBe(50); // 1 of 2 pairs run
    expect(m.individualAccuracy).toBe(50); // 2 of 4 images
    expect(m.invalidRate).toBe(25); // 1 of 4
    // Denominators over pairs 1 and 3 only: Cerebral 1, Spinal 1 + 2 = 3
    expect(m.byCategory.Cerebral).toMatchObject({ questions: 1, setAccuracy: 100, individualAccuracy: 100 });
    expect(m.byCategory.Spinal?.questions).toBe(3);
    expect(m.byCategory.Spinal?.setAccuracy).toBeCloseTo(100 / 3, 12); // set_score Spinal 1 (pair 1) / 3
    expect(m.byCategory.Spinal?.individualAccuracy).toBeCloseTo(100 / 3, 12); // p1 im2 right / 3
  });

  it('returns zeros, not NaN, when nothing is run', () => {
    const d = makeDataset([makePair('1', 'A', ['Cerebral'], ['Spinal'])]);
    const m = computeMetrics(d, new Map());
    expect([m.setAccuracy, m.individualAccuracy, m.confusion, m.invalidRate]).toEqual([0, 0, 0, 0]);
    expect(m.counts.pairsRun).toBe(0);
  });
});

describe('pairAnswersFromRecords', () => {
  it('keeps one method and lets a later record replace an earlier one', () => {
    const answers = pairAnswersFromRecords(
      [
        { pairId: '1', slot: 1, method: 'GD', answer: 'A' },
        { pairId: '1', slot: 1, method: 'MC', answer: 'B' },
        { pairId: '1', slot: 2, method: 'GD', answer: 'B' },
        { pairId: '1', slot: 1, method: 'GD', answer: 'B' },
        { pairId: '2', slot: 2, method: 'GD', answer: null },
      ],
      'GD',
    );
    expect([...answers.entries()]).toEqual([
      ['1', { 1: 'B', 2: 'B' }],
      ['2', { 2: null }],
    ]);
  });
});

describe('bestAcrossMethods', () => {
  const metrics = (set: number, individual: number, pairsRun = 10) =>
    ({ setAccuracy: set, individualAccuracy: individual, counts: { pairsRun } }) as MethodMetrics;

  it('maximises set and individual accuracy independently, like the paper', () => {
    expect(
      bestAcrossMethods({ MC: metrics(15.34, 54.55), GD: metrics(14.77, 55.97), FF: metrics(2.84, 21.02) }),
    ).toEqual({
      bestSetAccuracy: 15.34,
      bestSetMethod: 'MC',
      bestIndividualAccuracy: 55.97,
      bestIndividualMethod: 'GD',
    });
  });

  it('ignores methods with nothing scored and handles none', () => {
    expect(bestAcrossMethods({ PS: metrics(0, 0, 0) }).bestSetMethod).toBeNull();
    expect(bestAcrossMethods({})).toEqual({
      bestSetAccuracy: null,
      bestSetMethod: null,
      bestIndividualAccuracy: null,
      bestIndividualMethod: null,
    });
  });
});
