// Reading and writing results: the official repository's answer/score JSON files (so runs can be
// compared with, or imported from, the official code) and a flat per-case CSV that round-trips.

import { judgeAnswer, officialAnswerDict, correctAnswer, type OfficialAnswerDict } from './answers.ts';
import { isBlankCsvRow, parseCsvFields, toCsv, CsvError, type CsvField } from './csv.ts';
import { pairScoreTable, sumScoreTables, type ScoreTable } from './metrics.ts';
import { METHODS, slotKey } from './types.ts';
import { OFFICIAL_MODE } from './run/methods.ts';
import type { Answer, CaseRecord, Dataset, ImageSlot, Method, PairAnswers } from './types.ts';

export { OFFICIAL_MODE };

export class ResultFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultFormatError';
  }
}

export interface OfficialPairEntry {
  answer: { im1: OfficialAnswerDict; im2: OfficialAnswerDict };
  score: ScoreTable;
}
/** `{key}_{mode}.json`: per pair id, both images' answer dicts and the pair's score table. */
export type OfficialAnswersFile = Record<string, OfficialPairEntry>;

/** The last record of `method` for each case, for pairs with both images answered, in dataset order. */
function completeRecordPairs(
  dataset: Dataset,
  records: readonly CaseRecord[],
  method: Method,
): { pairIndex: number; r1: CaseRecord; r2: CaseRecord }[] {
  const latest = new Map<string, CaseRecord>();
  for (const r of records) if (r.method === method) latest.set(slotKey(r), r);
  const out: { pairIndex: number; r1: CaseRecord; r2: CaseRecord }[] = [];
  dataset.pairs.forEach((pair, pairIndex) => {
    const r1 = latest.get(slotKey({ pairId: pair.id, slot: 1 }));
    const r2 = latest.get(slotKey({ pairId: pair.id, slot: 2 }));
    if (r1 && r2) out.push({ pairIndex, r1, r2 });
  });
  return out;
}

/** The official per-question answers file for one method (pairs not fully run are left out). */
export function toOfficialAnswersJson(
  dataset: Dataset,
  records: readonly CaseRecord[],
  method: Method,
): OfficialAnswersFile {
  const out: OfficialAnswersFile = {};
  for (const { pairIndex, r1, r2 } of completeRecordPairs(dataset, records, method)) {
    const pair = dataset.pairs[pairIndex] as Dataset['pairs'][number];
    out[pair.id] = {
      answer: { im1: officialAnswerDict(r1), im2: officialAnswerDict(r2) },
      score: pairScoreTable(pair, r1.answer, r2.answer, dataset.categories),
    };
  }
  return out;
}

/** The official `{key}_{mode}_score.json`: the per-pair tables summed. */
export function toOfficialScoreJson(
  dataset: Dataset,
  records: readonly CaseRecord[],
  method: Method,
): ScoreTable {
  const tables = completeRecordPairs(dataset, records, method).map(({ pairIndex, r1, r2 }) =>
    pairScoreTable(
      dataset.pairs[pairIndex] as Dataset['pairs'][number],
      r1.answer,
      r2.answer,
      dataset.categories,
    ),
  );
  return sumScoreTables(tables, dataset.categories);
}

/** Official file names; characters unsafe in file names (e.g. the '/' of HF ids) become '_'. */
export function officialFileNames(modelKey: string, method: Method): { answers: string; score: string } {
  const key = modelKey.replace(/[^A-Za-z0-9._-]/g, '_');
  const mode = OFFICIAL_MODE[method];
  return { answers: `${key}_${mode}.json`, score: `${key}_${mode}_score.json` };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Answers from an official answers file (parsed JSON or its text). Each image's answer is
 * re-derived with check_answer from its A/B scores (10/0 for GD/PS/MC, judge scores for FF).
 */
export function fromOfficialAnswersJson(
  json: unknown,
  dataset: Dataset,
  method: Method,
  threshold = 3,
): PairAnswers {
  let data = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new ResultFormatError(`${method} answers file is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!isObject(data))
    throw new ResultFormatError(`${method} answers file must be a JSON object keyed by pair id`);
  const ids = new Set(dataset.pairs.map((p) => p.id));
  const answers: PairAnswers = new Map();
  for (const [pairId, entry] of Object.entries(data)) {
    if (!ids.has(pairId)) {
      throw new ResultFormatError(
        `${method} answers file: pair ${pairId} is not in dataset "${dataset.name}"`,
      );
    }
    if (!isObject(entry) || !isObject(entry.answer)) {
      throw new ResultFormatError(`${method} answers file: pair ${pairId} has no "answer" object`);
    }
    const slots: { 1?: Answer; 2?: Answer } = {};
    for (const slot of [1, 2] as const) {
      const dict = entry.answer[`im${slot}`];
      if (!isObject(dict)) {
        throw new ResultFormatError(
          `${method} answers file: pair ${pairId} has no "answer.im${slot}" object`,
        );
      }
      const { A, B } = dict;
      if (typeof A !== 'number' || typeof B !== 'number' || !Number.isFinite(A) || !Number.isFinite(B)) {
        throw new ResultFormatError(
          `${method} answers file: pair ${pairId} "answer.im${slot}" needs numeric "A" and "B" scores`,
        );
      }
      slots[slot] = judgeAnswer({ A, B }, threshold);
    }
    answers.set(pairId, slots);
  }
  return answers;
}

// ---------------------------------------------------------------------------------------------
// Per-case CSV

export const RECORD_CSV_COLUMNS = [
  'pair_id',
  'image_slot',
  'method',
  'answer',
  'correct_answer',
  'is_correct',
  'p_A',
  'p_B',
  'score_A',
  'score_B',
  'logprobs_A',
  'logprobs_B',
  'generated_text',
  'judge_text',
] as const;

/** Full precision: String() gives the shortest text that parses back to the same double. */
function numberText(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/**
 * One row per record. score_A/B hold PS prefix scores, or for FF the judge's scores; absent values
 * are unquoted-empty cells, empty strings are "" (see csv.ts), so every record round-trips.
 */
export function recordsToCsv(records: readonly CaseRecord[], dataset: Dataset): string {
  const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));
  const rows: (string | null)[][] = [[...RECORD_CSV_COLUMNS]];
  for (const r of records) {
    const pair = pairs.get(r.pairId);
    const correct = pair ? correctAnswer(pair, r.slot) : null;
    const scores = r.method === 'FF' ? r.judge?.scores : r.prefixScores;
    rows.push([
      r.pairId,
      String(r.slot),
      r.method,
      r.answer,
      correct,
      correct === null ? null : r.answer === correct ? '1' : '0',
      r.probabilities ? numberText(r.probabilities.A) : null,
      r.probabilities ? numberText(r.probabilities.B) : null,
      scores ? numberText(scores.A) : null,
      scores ? numberText(scores.B) : null,
      r.tokenLogProbs ? r.tokenLogProbs.A.map(numberText).join(';') : null,
      r.tokenLogProbs ? r.tokenLogProbs.B.map(numberText).join(';') : null,
      r.generatedText ?? null,
      r.judge ? r.judge.rawText : null,
    ]);
  }
  return toCsv(rows);
}

/** Parses recordsToCsv output back into records (correct_answer/is_correct are derived, so ignored). */
export function recordsFromCsv(text: string): CaseRecord[] {
  let rows: CsvField[][];
  try {
    rows = parseCsvFields(text).filter((r) => !isBlankCsvRow(r));
  } catch (e) {
    if (e instanceof CsvError) throw new ResultFormatError(`results CSV: ${e.message}`);
    throw e;
  }
  const header = rows[0]?.map((f) => f.value.trim());
  if (!header) throw new ResultFormatError('results CSV is empty');
  const index = {} as Record<(typeof RECORD_CSV_COLUMNS)[number], number>;
  for (const column of RECORD_CSV_COLUMNS) {
    const k = header.indexOf(column);
    if (k < 0) throw new ResultFormatError(`results CSV header is missing column "${column}"`);
    index[column] = k;
  }
  return rows.slice(1).map((row, i) => {
    const rowNumber = i + 1;
    const fail = (msg: string): never => {
      throw new ResultFormatError(`results CSV row ${rowNumber}: ${msg}`);
    };
    if (row.length !== header.length) fail(`has ${row.length} cells, the header has ${header.length}`);
    /** Cell text, or null for an absent (unquoted empty) cell. */
    const cell = (column: (typeof RECORD_CSV_COLUMNS)[number]): string | null => {
      const f = row[index[column]] as CsvField;
      return f.value === '' && !f.quoted ? null : f.value;
    };
    const num = (column: (typeof RECORD_CSV_COLUMNS)[number], text: string): number => {
      const x = text.trim() === 'NaN' ? NaN : Number(text);
      if (text.trim() === '' || (Number.isNaN(x) && text.trim() !== 'NaN')) {
        fail(`"${column}" is not a number (got ${JSON.stringify(text)})`);
      }
      return x;
    };
    const pairNum = (a: (typeof RECORD_CSV_COLUMNS)[number], b: (typeof RECORD_CSV_COLUMNS)[number]) => {
      const ta = cell(a);
      const tb = cell(b);
      if (ta === null && tb === null) return undefined;
      if (ta === null || tb === null) return fail(`"${a}" and "${b}" must both be given or both be empty`);
      return { A: num(a, ta), B: num(b, tb) };
    };
    const list = (column: (typeof RECORD_CSV_COLUMNS)[number]): number[] | null => {
      const t = cell(column);
      if (t === null) return null;
      return t === '' ? [] : t.split(';').map((x) => num(column, x));
    };

    const pairId = cell('pair_id');
    if (pairId === null || pairId === '') return fail('has no pair_id');
    const slotText = cell('image_slot');
    if (slotText !== '1' && slotText !== '2') return fail(`"image_slot" must be 1 or 2 (got ${slotText})`);
    const method = cell('method');
    if (!METHODS.includes(method as Method)) return fail(`"method" must be one of ${METHODS.join(', ')}`);
    const answerText = cell('answer');
    if (answerText !== null && answerText !== '' && answerText !== 'A' && answerText !== 'B') {
      fail(`"answer" must be A, B or empty for invalid (got ${JSON.stringify(answerText)})`);
    }
    const record: CaseRecord = {
      pairId,
      slot: Number(slotText) as ImageSlot,
      method: method as Method,
      answer: answerText === 'A' || answerText === 'B' ? answerText : null,
    };
    const probabilities = pairNum('p_A', 'p_B');
    if (probabilities) record.probabilities = probabilities;
    const scores = pairNum('score_A', 'score_B');
    const judgeText = cell('judge_text');
    if (record.method === 'FF') {
      if (judgeText !== null) record.judge = { rawText: judgeText, scores: scores ?? null };
      else if (scores) fail('FF judge scores without judge_text');
    } else if (scores) {
      record.prefixScores = scores;
    }
    const lpA = list('logprobs_A');
    const lpB = list('logprobs_B');
    if (lpA !== null || lpB !== null) record.tokenLogProbs = { A: lpA ?? [], B: lpB ?? [] };
    const generated = cell('generated_text');
    if (generated !== null) record.generatedText = generated;
    return record;
  });
}

/**
 * Rounds like Python's round(x, digits) (what the official print_score uses): to the nearest
 * decimal of the double's exact value, exact halves to even. toFixed alone rounds halves up.
 */
export function roundOfficial(x: number, digits = 2): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  const exact = Math.abs(x).toFixed(100); // exact decimal expansion of the double (for |x| ≳ 1e-14)
  const [intPart, frac = ''] = exact.split('.');
  const kept = (intPart as string) + frac.slice(0, digits);
  const rest = frac.slice(digits);
  let units = BigInt(kept);
  const first = rest[0] ?? '0';
  const beyond = /[1-9]/.test(rest.slice(1));
  if (first > '5' || (first === '5' && (beyond || units % 2n === 1n))) units += 1n;
  const s = units.toString().padStart(digits + 1, '0');
  const text = digits > 0 ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return (x < 0 ? -1 : 1) * Number(text);
}

/** A percentage as the official tables print it, e.g. 15.340909 → "15.34%". */
export function formatPercent(x: number, digits = 2): string {
  return `${roundOfficial(x, digits).toFixed(digits)}%`;
}
