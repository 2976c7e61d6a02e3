// Field-by-field validation of one MediConfusion pair (the official dataset.json field names:
// question, option_A/B, im_1/2_correct, im_1/2_local, im_1/2, cap_1/2, category_1/2,
// BiomedCLIP_sim, DINO_sim) into a ConfusionPair, with the official category list it checks
// against and the DatasetError that names the pair and field of the first problem. The JSON and
// CSV readers (datasetJson.ts, datasetCsv.ts) both hand their raw pairs to `normalisePair`.

import officialStatistics from '../data/mediconfusion/statistics.json' with { type: 'json' };
import type { ConfusionPair, Letter } from './types.ts';

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

/**
 * The longest text each field may hold, in characters. The official pairs stay far below (the
 * longest question has 105 characters, the longest caption 2 855); a field beyond its limit is
 * refused, because the page would otherwise lay out (and a model tokenize) megabytes of text.
 */
export const FIELD_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  id: 100,
  question: 2_000,
  option_A: 1_000,
  option_B: 1_000,
  im_1: 500,
  im_2: 500,
  im_1_local: 100,
  im_2_local: 100,
  cap_1: 10_000,
  cap_2: 10_000,
});

/** A count as messages write it: "5,000,000". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Refuses a text longer than its field's limit (FIELD_LIMITS), naming pair, field and limit. */
export function checkLength(pairId: string | undefined, field: string, value: string): void {
  const limit = FIELD_LIMITS[field];
  if (limit === undefined || value.length <= limit) return;
  throw new DatasetError(
    `is ${formatCount(value.length)} characters long; it can be at most ${formatCount(limit)} characters`,
    { ...(pairId !== undefined ? { pairId: shortId(pairId) } : {}), field },
  );
}

/** A pair id as a message quotes it: an id beyond its own limit is cut. */
function shortId(id: string): string {
  const limit = FIELD_LIMITS['id'] as number;
  return id.length <= limit ? id : `${id.slice(0, 40)}… (${formatCount(id.length)} characters)`;
}

/** A value as an error message names it. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    // A message quotes at most the start of a long text.
    return value.length <= 60
      ? JSON.stringify(value)
      : `${JSON.stringify(value.slice(0, 40))}… (${formatCount(value.length)} characters)`;
  }
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
  checkLength(pairId, field, value);
  return value;
}

function optionalText(pairId: string, raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new DatasetError(`must be a string (got ${describe(value)})`, { pairId, field });
  }
  checkLength(pairId, field, value);
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
  if (typeof value === 'string' && value.trim() !== '') {
    checkLength(pairId, field, value.trim());
    return value.trim();
  }
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
export function normalisePair(pairId: string, raw: unknown): ConfusionPair {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DatasetError(`must be an object (got ${describe(raw)})`, { pairId });
  }
  checkLength(pairId, 'id', pairId);
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
