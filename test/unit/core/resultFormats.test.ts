import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  greedyAnswer,
  judgeAnswer,
  parseJudgeOutput,
  parseMcAnswer,
  prefixAnswer,
  prefixScore,
} from '../../../src/core/answers.ts';
import { computeMetrics, pairAnswersFromRecords } from '../../../src/core/metrics.ts';
import {
  RECORD_CSV_COLUMNS,
  ResultFormatError,
  formatPercent,
  fromOfficialAnswersJson,
  officialFileNames,
  recordsFromCsv,
  recordsToCsv,
  roundOfficial,
  toOfficialAnswersJson,
  toOfficialScoreJson,
} from '../../../src/core/resultFormats.ts';
import { mulberry32 } from '../../../src/core/statistics.ts';
import { METHODS, type CaseRecord, type Method } from '../../../src/core/types.ts';
import { parseCsv } from '../../../src/core/csv.ts';
import { officialDataset } from './fixtures.ts';

const MC_TEXTS = ['A', 'B")', 'The answer is A.', 'A or B', '(B)', '', 'B.\nIt shows a bleed'];
const JUDGE_TEXTS = [
  'A: 9\nB: 2\nYour explanation: close to A',
  'A: 2\n\nB: 8\n\nYour explanation: close to B',
  'A: 5\nB: 6\nYour explanation: unclear',
  'I cannot judge this.',
];

/** Plausible records for every case of the official dataset, for one method. */
function simulatedRecords(method: Method, seed: number): CaseRecord[] {
  const random = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)] as T;
  const records: CaseRecord[] = [];
  for (const pair of officialDataset.pairs) {
    for (const slot of [1, 2] as const) {
      const base = { pairId: pair.id, slot, method };
      if (method === 'GD') {
        const g = greedyAnswer(random() * 10 - 5, random() * 10 - 5);
        records.push({ ...base, answer: g.answer, probabilities: g.probabilities });
      } else if (method === 'PS') {
        const A = [Math.log(random()), Math.log(random())];
        const B = [Math.log(random())];
        const scores = { A: prefixScore(A), B: prefixScore(B) };
        records.push({
          ...base,
          answer: prefixAnswer(scores.A, scores.B),
          prefixScores: scores,
          tokenLogProbs: { A, B },
        });
      } else if (method === 'MC') {
        const text = pick(MC_TEXTS);
        records.push({ ...base, answer: parseMcAnswer(text).answer, generatedText: text });
      } else {
        const rawText = pick(JUDGE_TEXTS);
        const parsed = parseJudgeOutput(rawText);
        const scores = parsed ? { A: parsed.A, B: parsed.B } : null;
        records.push({
          ...base,
          answer: judgeAnswer(scores),
          generatedText: `Free answer ${pair.id}/${slot}, with "quotes", commas\nand lines`,
          judge: { rawText, scores },
        });
      }
    }
  }
  return records;
}

describe('official answers and score files', () => {
  it('names files like the official code', () => {
    // One answers file and one score file per method, in the official code's mode names.
    expect(METHODS.map((m) => officialFileNames('llava', m))).toEqual([
      { answers: 'llava_greedy.json', score: 'llava_greedy_score.json' },
      { answers: 'llava_prefix.json', score: 'llava_prefix_score.json' },
      { answers: 'llava_mc.json', score: 'llava_mc_score.json' },
      { answers: 'llava_gpt4.json', score: 'llava_gpt4_score.json' },
    ]);
    expect(officialFileNames('llava', 'MC')).toEqual({
      answers: 'llava_mc.json',
      score: 'llava_mc_score.json',
    });
    expect(officialFileNames('HuggingFaceTB/SmolVLM-256M-Instruct', 'FF').answers).toBe(
      'HuggingFaceTB_SmolVLM-256M-Instruct_gpt4.json',
    );
  });

  it.each(METHODS)('%s: records → answers JSON → PairAnswers gives the same metrics', (method) => {
    const records = simulatedRecords(method, 11);
    const file = JSON.parse(
      JSON.stringify(toOfficialAnswersJson(officialDataset, records, method)),
    ) as unknown;
    const imported = fromOfficialAnswersJson(file, officialDataset, method);
    const direct = pairAnswersFromRecords(records, method);
    expect(imported).toEqual(direct);
    expect(computeMetrics(officialDataset, imported)).toEqual(computeMetrics(officialDataset, direct));
  });

  it.each(METHODS)('%s: score JSON totals equal the computeMetrics counts', (method) => {
    const records = simulatedRecords(method, 12);
    const score = toOfficialScoreJson(officialDataset, records, method);
    const m = computeMetrics(officialDataset, pairAnswersFromRecords(records, method));
    expect(score.set_score.total).toBe(m.counts.setCorrect);
    expect(score.individual_score.total).toBe(m.counts.individualCorrect);
    expect(score.confused.total).toBe(m.counts.confusedPairs);
    expect(score.valids.total).toBe(m.counts.validPairs);
    expect(score.invalid.total).toBe(m.counts.invalidAnswers);
    // The score file is the sum of the per-pair tables in the answers file.
    const answers = toOfficialAnswersJson(officialDataset, records, method);
    const summed = Object.values(answers).reduce(
      (s, e) => s + (e.score.individual_score.Cerebral as number),
      0,
    );
    expect(score.individual_score.Cerebral).toBe(summed);
  });

  it('writes the official entry shape', () => {
    const records: CaseRecord[] = [
      { pairId: '10001', slot: 1, method: 'GD', answer: 'A', probabilities: { A: 0.7, B: 0.3 } },
      { pairId: '10001', slot: 2, method: 'GD', answer: 'A', probabilities: { A: 0.6, B: 0.4 } },
      { pairId: '10002', slot: 1, method: 'GD', answer: 'B' }, // image 2 not run: left out
    ];
    const file = toOfficialAnswersJson(officialDataset, records, 'GD');
    expect(Object.keys(file)).toEqual(['10001']);
    expect(file['10001']?.answer).toEqual({
      im1: { A: 10, B: 0, full_answer: 'A' },
      im2: { A: 10, B: 0, full_answer: 'A' },
    });
    expect(file['10001']?.score.confused).toMatchObject({ total: 1, Cerebral: 2, Vascular: 2 });
  });

  it('reads an FF file with the judge threshold, re-deriving each answer', () => {
    const entry = (a: [number, number], b: [number, number]) => ({
      answer: {
        im1: { A: a[0], B: a[1], full_answer: 'x', gpt_reason: 'r' },
        im2: { A: b[0], B: b[1], full_answer: 'y', gpt_reason: 'r' },
      },
      score: {},
    });
    const text = JSON.stringify({ '10001': entry([9, 2], [5, 7]), '10002': entry([0, 0], [1, 10]) });
    expect([...fromOfficialAnswersJson(text, officialDataset, 'FF')]).toEqual([
      ['10001', { 1: 'A', 2: null }],
      ['10002', { 1: null, 2: 'B' }],
    ]);
    expect(fromOfficialAnswersJson(text, officialDataset, 'FF', 2).get('10001')).toEqual({ 1: 'A', 2: 'B' });
  });

  it('rejects malformed answers files with clear errors', () => {
    const bad = (json: unknown) => () => fromOfficialAnswersJson(json, officialDataset, 'MC');
    expect(bad('not json')).toThrow(/MC answers file is not valid JSON/);
    expect(bad([1, 2])).toThrow(/must be a JSON object keyed by pair id/);
    expect(bad({ '99999': {} })).toThrow(/pair 99999 is not in dataset "MediConfusion"/);
    expect(bad({ '10001': { score: {} } })).toThrow(/pair 10001 has no "answer" object/);
    expect(bad({ '10001': { answer: { im1: { A: 10, B: 0 } } } })).toThrow(/"answer.im2" object/);
    expect(bad({ '10001': { answer: { im1: { A: '10', B: 0 }, im2: { A: 0, B: 10 } } } })).toThrow(
      ResultFormatError,
    );
  });
});

describe('per-case CSV', () => {
  it('writes the documented columns with derived correctness', () => {
    const records: CaseRecord[] = [
      { pairId: '10001', slot: 1, method: 'GD', answer: 'A', probabilities: { A: 0.75, B: 0.25 } },
      { pairId: '10001', slot: 2, method: 'MC', answer: null, generatedText: 'A and B' },
    ];
    const rows = parseCsv(recordsToCsv(records, officialDataset));
    expect(rows[0]).toEqual([...RECORD_CSV_COLUMNS]);
    expect(rows[1]).toEqual(['10001', '1', 'GD', 'A', 'A', '1', '0.75', '0.25', '', '', '', '', '', '']);
    expect(rows[2]).toEqual(['10001', '2', 'MC', '', 'B', '0', '', '', '', '', '', '', 'A and B', '']);
  });

  it.each(METHODS)('%s: round-trips simulated records exactly', (method) => {
    const records = simulatedRecords(method, 13);
    expect(recordsFromCsv(recordsToCsv(records, officialDataset))).toStrictEqual(records);
  });

  it('round-trips arbitrary records exactly (full-precision numbers, awkward text)', () => {
    const num = fc.double();
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', ',', '"', '\n', '\r', ';', ' ', 'é', '0') });
    const both = fc.record({ A: num, B: num });
    const common = {
      pairId: fc.constantFrom('10001', '10002', 'x,y', 'q"1'),
      slot: fc.constantFrom<1 | 2>(1, 2),
      answer: fc.constantFrom<'A' | 'B' | null>('A', 'B', null),
    };
    const recordArb = fc.oneof(
      fc.record(
        { ...common, method: fc.constant<Method>('GD'), probabilities: both },
        { requiredKeys: ['pairId', 'slot', 'answer', 'method'] },
      ),
      fc.record(
        {
          ...common,
          method: fc.constant<Method>('PS'),
          prefixScores: both,
          tokenLogProbs: fc.record({
            A: fc.array(num, { maxLength: 4 }),
            B: fc.array(num, { maxLength: 4 }),
          }),
        },
        { requiredKeys: ['pairId', 'slot', 'answer', 'method'] },
      ),
      fc.record(
        { ...common, method: fc.constant<Method>('MC'), generatedText: text },
        { requiredKeys: ['pairId', 'slot', 'answer', 'method'] },
      ),
      fc.record(
        {
          ...common,
          method: fc.constant<Method>('FF'),
          generatedText: text,
          judge: fc.record({ rawText: text, scores: fc.option(both, { nil: null }) }),
        },
        { requiredKeys: ['pairId', 'slot', 'answer', 'method'] },
      ),
    );
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 8 }), (generated) => {
        const records = structuredClone(generated); // plain prototypes, as real records have
        const back = recordsFromCsv(recordsToCsv(records as CaseRecord[], officialDataset));
        expect(back).toStrictEqual(records);
        back.forEach((r, i) => {
          const orig = records[i] as CaseRecord;
          if (orig.probabilities) expect(Object.is(r.probabilities?.A, orig.probabilities.A)).toBe(true);
        });
      }),
    );
  });

  it('rejects malformed results CSV', () => {
    const header = RECORD_CSV_COLUMNS.join(',');
    const row = (cells: Partial<Record<string, string>>) =>
      RECORD_CSV_COLUMNS.map((c) => cells[c] ?? '').join(',');
    const base = { pair_id: '10001', image_slot: '1', method: 'GD', answer: 'A' };
    expect(() => recordsFromCsv('')).toThrow(/empty/);
    expect(() => recordsFromCsv('pair_id,method\n1,GD')).toThrow(/missing column "image_slot"/);
    expect(() => recordsFromCsv(`${header}\n${row({ ...base, image_slot: '3' })}`)).toThrow(
      /row 1: "image_slot"/,
    );
    expect(() => recordsFromCsv(`${header}\n${row({ ...base, method: 'XX' })}`)).toThrow(/"method"/);
    expect(() => recordsFromCsv(`${header}\n${row({ ...base, answer: 'C' })}`)).toThrow(/"answer"/);
    expect(() => recordsFromCsv(`${header}\n${row({ ...base, p_A: 'high', p_B: '1' })}`)).toThrow(
      /not a number/,
    );
    expect(() => recordsFromCsv(`${header}\n${row({ ...base, p_A: '0.5' })}`)).toThrow(/both be given/);
    expect(() => recordsFromCsv(`${header}\n10001,1`)).toThrow(/cells/);
    expect(recordsFromCsv(`${header}\n${row(base)}\n`)).toEqual([
      { pairId: '10001', slot: 1, method: 'GD', answer: 'A' },
    ]);
  });
});

describe('roundOfficial / formatPercent', () => {
  it("rounds like Python's round(x, 2) on the double's exact value", () => {
    // Values from CPython 3: round(x, 2)
    const cases: [number, number][] = [
      [3.125, 3.12],
      [0.125, 0.12],
      [0.375, 0.38],
      [2.675, 2.67],
      [-1.005, -1.0],
      [54.54545454, 54.55],
      [99.99999999999999, 100],
      [0.005, 0.01],
      [0.015, 0.01],
      [12.345, 12.35],
      [27 / 1.76, 15.34],
    ];
    for (const [x, expected] of cases) expect(roundOfficial(x, 2)).toBe(expected);
    expect(roundOfficial(2.5, 0)).toBe(2);
    expect(roundOfficial(1.5, 0)).toBe(2);
    expect(roundOfficial(0.375, 1)).toBe(0.4);
  });

  it('prints percentages with fixed digits', () => {
    expect(formatPercent(27 / 1.76)).toBe('15.34%');
    expect(formatPercent(99.99999999999999)).toBe('100.00%');
    expect(formatPercent(50, 1)).toBe('50.0%');
    expect(formatPercent(0)).toBe('0.00%');
  });
});
