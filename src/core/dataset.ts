// Loading and validating a MediConfusion-format dataset (official JSON, or CSV with the same
// field names). All-or-nothing: the first problem throws a DatasetError naming pair and field,
// because a silently partial question set would make scores incomparable.

import officialStatistics from '../data/mediconfusion/statistics.json' with { type: 'json' };
import { isBlankCsvRow, parseCsvFields, toCsv, CsvError } from './csv.ts';
import { stableHash } from './hash.ts';
import type { ConfusionPair, Dataset, Letter } from './types.ts';

/** Category names in the official statistics.json order (also the display order). */
export const OFFICIAL_CATEGORIES: readonly string[] = Object.freeze(Object.keys(officialStatistics));

/** Official questions per category (statistics.json). */
export const OFFICIAL_CATEGORY_COUNTS: Readonly<Record<string, number>> = Object.freeze({
  ...(officialStatistics as Record<string, number>),
});

export class DatasetError extends Error {
  readonly pairId?: string;
  readonly field?: string;
  constructor(message: string, where: { pairId?: string; field?: string } = {}) {
    const prefix = where.pairId !== undefined ? `pair ${where.pairId}: ` : '';
    const fieldPart = where.field !== undefined ? `field "${where.field}" ` : '';
    super(prefix + fieldPart + message);
    this.name = 'DatasetError';
    if (where.pairId !== undefined) this.pairId = where.pairId;
    if (where.field !== undefined) this.field = where.field;
  }
}

export interface DatasetOptions {
  name?: string;
  /** Questions per category; defaults to counting the pairs' categories. */
  categoryCounts?: Record<string, number>;
}

/** Column order used when writing a dataset as CSV (official field names plus `id`). */
export const DATASET_CSV_COLUMNS = [
  'id',
  'question',
  'option_A',
  'option_B',
  'im_1_correct',
  'im_2_correct',
  'im_1',
  'im_2',
  'im_1_local',
  'im_2_local',
  'cap_1',
  'cap_2',
  'category_1',
  'category_2',
  'BiomedCLIP_sim',
  'DINO_sim',
] as const;

const REQUIRED_CSV_COLUMNS = [
  'id',
  'question',
  'option_A',
  'option_B',
  'im_1_correct',
  'im_2_correct',
  'im_1_local',
  'im_2_local',
  'category_1',
  'category_2',
];

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function requiredText(pairId: string, raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string') {
    throw new DatasetError(`must be a non-empty string (got ${describe(value)})`, { pairId, field });
  }
  if (value.trim() === '') throw new DatasetError('must not be empty', { pairId, field });
  return value;
}

function optionalText(pairId: string, raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new DatasetError(`must be a string (got ${describe(value)})`, { pairId, field });
  }
  return value;
}

function letter(pairId: string, raw: Record<string, unknown>, field: string): Letter {
  const value = raw[field];
  if (value !== 'A' && value !== 'B') {
    throw new DatasetError(`must be "A" or "B" (got ${describe(value)})`, { pairId, field });
  }
  return value;
}

function localId(pairId: string, raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  throw new DatasetError(`must be a local image id (got ${describe(value)})`, { pairId, field });
}

function categoryList(pairId: string, raw: Record<string, unknown>, field: string): string[] {
  const value = raw[field];
  if (!Array.isArray(value)) {
    throw new DatasetError(`must be a list of categories (got ${describe(value)})`, { pairId, field });
  }
  if (value.length === 0) throw new DatasetError('must name at least one category', { pairId, field });
  const seen = new Set<string>();
  for (const c of value) {
    if (typeof c !== 'string' || !OFFICIAL_CATEGORIES.includes(c)) {
      throw new DatasetError(
        `has unknown category ${describe(c)} (known: ${OFFICIAL_CATEGORIES.map((k) => `"${k}"`).join(', ')})`,
        { pairId, field },
      );
    }
    // A repeated category would be counted twice by the official tables.
    if (seen.has(c)) throw new DatasetError(`lists category "${c}" twice`, { pairId, field });
    seen.add(c);
  }
  return [...(value as string[])];
}

function similarity(pairId: string, raw: Record<string, unknown>, field: string): number | null {
  const value = raw[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DatasetError(`must be a number (got ${describe(value)})`, { pairId, field });
  }
  return value;
}

/** Validates one raw pair (official field names) and converts it to a ConfusionPair. */
function normalisePair(pairId: string, raw: unknown): ConfusionPair {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DatasetError(`must be an object (got ${describe(raw)})`, { pairId });
  }
  const r = raw as Record<string, unknown>;
  const question = requiredText(pairId, r, 'question');
  const optionA = requiredText(pairId, r, 'option_A');
  const optionB = requiredText(pairId, r, 'option_B');
  const im1Correct = letter(pairId, r, 'im_1_correct');
  const im2Correct = letter(pairId, r, 'im_2_correct');
  if (im1Correct === im2Correct) {
    throw new DatasetError(
      `equals "im_1_correct" ("${im1Correct}"); a confusion pair's images must have different correct options`,
      { pairId, field: 'im_2_correct' },
    );
  }
  return {
    id: pairId,
    question,
    optionA,
    optionB,
    im1Correct,
    im2Correct,
    im1Local: localId(pairId, r, 'im_1_local'),
    im2Local: localId(pairId, r, 'im_2_local'),
    im1Path: optionalText(pairId, r, 'im_1'),
    im2Path: optionalText(pairId, r, 'im_2'),
    caption1: optionalText(pairId, r, 'cap_1'),
    caption2: optionalText(pairId, r, 'cap_2'),
    category1: categoryList(pairId, r, 'category_1'),
    category2: categoryList(pairId, r, 'category_2'),
    biomedClipSim: similarity(pairId, r, 'BiomedCLIP_sim'),
    dinoSim: similarity(pairId, r, 'DINO_sim'),
  };
}

/** Questions per category: each occurrence in category_1 and in category_2 counts once. */
export function countCategories(pairs: readonly ConfusionPair[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of OFFICIAL_CATEGORIES) counts[c] = 0;
  for (const p of pairs) {
    for (const c of [...p.category1, ...p.category2]) counts[c] = (counts[c] ?? 0) + 1;
  }
  return counts;
}

/** Hash of the normalised pairs, in order: two datasets with the same hash ask the same questions. */
export function datasetHash(pairs: readonly ConfusionPair[]): string {
  return stableHash(pairs);
}

function validateCounts(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(counts)) {
    if (!OFFICIAL_CATEGORIES.includes(key)) {
      throw new DatasetError(`categoryCounts names unknown category "${key}"`);
    }
  }
  for (const c of OFFICIAL_CATEGORIES) {
    const v = counts[c];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new DatasetError(`categoryCounts["${c}"] must be a non-negative integer (got ${describe(v)})`);
    }
    out[c] = v;
  }
  return out;
}

function buildDataset(pairs: ConfusionPair[], opts: DatasetOptions | undefined): Dataset {
  if (pairs.length === 0) throw new DatasetError('dataset has no pairs');
  return {
    name: opts?.name ?? 'dataset',
    pairs,
    categories: [...OFFICIAL_CATEGORIES],
    categoryCounts: opts?.categoryCounts ? validateCounts(opts.categoryCounts) : countCategories(pairs),
    hash: datasetHash(pairs),
  };
}

// ---------------------------------------------------------------------------------------------
// JSON

/** Finds where a JSON text first goes wrong; engines do not always say (V8 often omits it). */
export function locateJsonError(text: string): { position: number; line: number; column: number } {
  let i = 0;
  const n = text.length;
  // Erasable TypeScript only (no parameter properties), so Node's type stripping can run this.
  class Stop {
    readonly at: number;
    constructor(at: number) {
      this.at = at;
    }
  }
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++) {
      if (text[i] !== word[k]) throw new Stop(i);
      i++;
    }
  };
  const digits = () => {
    const start = i;
    while (i < n && (text[i] as string) >= '0' && (text[i] as string) <= '9') i++;
    if (i === start) throw new Stop(i);
  };
  const string = () => {
    i++; // opening quote
    while (true) {
      if (i >= n) throw new Stop(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new Stop(i);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) throw new Stop(i + k);
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          throw new Stop(i + 1);
        }
      } else {
        i++;
      }
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      while (true) {
        ws();
        if (text[i] !== '"') throw new Stop(i);
        string();
        ws();
        if (text[i] !== ':') throw new Stop(i);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        throw new Stop(i);
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      while (true) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        throw new Stop(i);
      }
    } else if (c === '"') {
      string();
    } else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      if (text[i] === '-') i++;
      if (text[i] === '0') i++;
      else digits();
      if (text[i] === '.') {
        i++;
        digits();
      }
      if (text[i] === 'e' || text[i] === 'E') {
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        digits();
      }
    } else throw new Stop(i);
  };
  let position = n;
  try {
    value();
    ws();
    position = i < n ? i : n;
  } catch (e) {
    if (e instanceof Stop) position = e.at;
    else position = 0; // e.g. nesting too deep for the recursion: fall back to the start
  }
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < position && k < n; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { position, line, column: position - lineStart + 1 };
}

/** The top-level keys of a JSON object text, in order and with repeats (JSON.parse drops repeats). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let i = 0;
  let depth = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(start, i)) as string);
        expectKey = false;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
    i++;
  }
  return keys;
}

/** Parses the official dataset.json shape (object keyed by pair id); a list of pairs with `id` also works. */
export function parseDatasetJson(input: string, opts?: DatasetOptions): Dataset {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const where = locateJsonError(text);
    const detail = e instanceof Error ? e.message : String(e);
    throw new DatasetError(
      `not valid JSON: ${detail} (at position ${where.position}, line ${where.line} column ${where.column})`,
    );
  }
  const pairs: ConfusionPair[] = [];
  const seen = new Set<string>();
  const claim = (id: string) => {
    if (seen.has(id)) throw new DatasetError('duplicate pair id', { pairId: id });
    seen.add(id);
  };
  if (Array.isArray(data)) {
    data.forEach((raw, index) => {
      const rawId = (raw as Record<string, unknown> | null)?.id;
      const id = typeof rawId === 'number' ? String(rawId) : rawId;
      if (typeof id !== 'string' || id.trim() === '') {
        throw new DatasetError(`entry ${index} has no "id"`, { field: 'id' });
      }
      claim(id);
      pairs.push(normalisePair(id, raw));
    });
  } else if (typeof data === 'object' && data !== null) {
    // Keys in file order (Object.entries would reorder numeric-looking ids).
    for (const id of topLevelKeys(text)) {
      claim(id);
      if (id.trim() === '') throw new DatasetError('pair id must not be empty', { field: 'id' });
      pairs.push(normalisePair(id, (data as Record<string, unknown>)[id]));
    }
  } else {
    throw new DatasetError(`dataset must be a JSON object keyed by pair id (got ${describe(data)})`);
  }
  return buildDataset(pairs, opts);
}

// ---------------------------------------------------------------------------------------------
// CSV

/** Parses a CSV with a header of official field names plus `id`; category lists are `;`-separated. */
export function parseDatasetCsv(text: string, opts?: DatasetOptions): Dataset {
  let rows;
  try {
    rows = parseCsvFields(text).filter((r) => !isBlankCsvRow(r));
  } catch (e) {
    if (e instanceof CsvError) throw new DatasetError(`not valid CSV: ${e.message}`);
    throw e;
  }
  const header = rows[0]?.map((f) => f.value.trim());
  if (!header) throw new DatasetError('CSV is empty');
  for (const column of REQUIRED_CSV_COLUMNS) {
    if (!header.includes(column)) throw new DatasetError(`CSV header is missing column "${column}"`);
  }
  const pairs: ConfusionPair[] = [];
  const rowOfId = new Map<string, number>();
  rows.slice(1).forEach((row, index) => {
    const rowNumber = index + 1;
    if (row.length !== header.length) {
      throw new DatasetError(`CSV row ${rowNumber} has ${row.length} cells, the header has ${header.length}`);
    }
    const raw: Record<string, unknown> = {};
    header.forEach((column, k) => {
      const cell = row[k] as { value: string; quoted: boolean };
      raw[column] = cell.value === '' && !cell.quoted ? undefined : cell.value;
    });
    const id = typeof raw.id === 'string' ? raw.id.trim() : '';
    if (id === '') throw new DatasetError(`CSV row ${rowNumber} has no id`, { field: 'id' });
    const earlier = rowOfId.get(id);
    if (earlier !== undefined) {
      throw new DatasetError(`duplicate pair id (CSV rows ${earlier} and ${rowNumber})`, { pairId: id });
    }
    rowOfId.set(id, rowNumber);
    for (const field of ['category_1', 'category_2']) {
      const v = raw[field];
      raw[field] =
        typeof v === 'string'
          ? v
              .split(';')
              .map((c) => c.trim())
              .filter((c) => c !== '')
          : [];
    }
    for (const field of ['BiomedCLIP_sim', 'DINO_sim']) {
      const v = raw[field];
      if (typeof v === 'string') {
        const num = v.trim() === '' ? NaN : Number(v);
        raw[field] = Number.isFinite(num) ? num : v;
      }
    }
    pairs.push(normalisePair(id, raw));
  });
  return buildDataset(pairs, opts);
}

function numberCell(x: number | null): string | null {
  if (x === null) return null;
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Writes a dataset as CSV in the format parseDatasetCsv reads (numbers at full precision). */
export function datasetToCsv(dataset: Dataset): string {
  const rows: (string | null)[][] = [[...DATASET_CSV_COLUMNS]];
  for (const p of dataset.pairs) {
    rows.push([
      p.id,
      p.question,
      p.optionA,
      p.optionB,
      p.im1Correct,
      p.im2Correct,
      p.im1Path,
      p.im2Path,
      p.im1Local,
      p.im2Local,
      p.caption1,
      p.caption2,
      p.category1.join(';'),
      p.category2.join(';'),
      numberCell(p.biomedClipSim),
      numberCell(p.dinoSim),
    ]);
  }
  return toCsv(rows);
}

/** Chooses the JSON or CSV reader by file extension, else by the first non-space character. */
export function parseDataset(text: string, fileName: string, opts?: Omit<DatasetOptions, 'name'>): Dataset {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  const name = dot > 0 ? base.slice(0, dot) : base;
  const options: DatasetOptions = { ...opts, name: name || 'dataset' };
  if (ext === 'json') return parseDatasetJson(text, options);
  if (ext === 'csv') return parseDatasetCsv(text, options);
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '{' || first === '[' ? parseDatasetJson(text, options) : parseDatasetCsv(text, options);
}
