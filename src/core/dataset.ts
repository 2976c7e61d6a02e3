// Loading a MediConfusion-format dataset (official JSON, or CSV with the same field names): the
// loader entry (parseDataset by file name, parseDatasetJson, parseDatasetCsv), the per-category
// question counts and the dataset hash. All-or-nothing: the first problem throws a DatasetError
// naming pair and field, because a silently partial question set would make scores
// incomparable. Field validation lives in datasetFields.ts, the readers in datasetJson.ts and
// datasetCsv.ts.

import { readCsvPairs } from './datasetCsv.ts';
import { DatasetError, OFFICIAL_CATEGORIES, describe } from './datasetFields.ts';
import { readJsonPairs } from './datasetJson.ts';
import { stableHash } from './hash.ts';
import type { ConfusionPair, Dataset } from './types.ts';

export interface DatasetOptions {
  name?: string;
  /** Questions per category; defaults to counting the pairs' categories. */
  categoryCounts?: Record<string, number>;
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

/** Parses the official dataset.json shape (object keyed by pair id); a list of pairs with `id` also works. */
export function parseDatasetJson(input: string, opts?: DatasetOptions): Dataset {
  return buildDataset(readJsonPairs(input), opts);
}

/** Parses a CSV with a header of official field names plus `id`; category lists are `;`-separated. */
export function parseDatasetCsv(text: string, opts?: DatasetOptions): Dataset {
  return buildDataset(readCsvPairs(text), opts);
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
