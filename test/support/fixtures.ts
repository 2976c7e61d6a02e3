// Paths of the generated test fixtures and small helpers shared by engine and browser tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDatasetJson } from '../../src/core/dataset.ts';
import { compareCaseRecords } from '../../src/core/recordComparison.ts';
import type { CaseRecord, Dataset } from '../../src/core/types.ts';

export const FIXTURES_DIR = path.resolve('.fixtures');
export const TINY_MODEL_DIR = path.join(FIXTURES_DIR, 'models', 'tiny-smolvlm');
export const IMAGES_DIR = path.join(FIXTURES_DIR, 'images');

let dataset: Dataset | null = null;
export function officialDataset(): Dataset {
  dataset ??= parseDatasetJson(readFileSync('public/data/mediconfusion/dataset.json', 'utf8'), {
    name: 'MediConfusion',
  });
  return dataset;
}

/** Largest difference between two runs' probabilities (GD) and prefix scores (PS); answers must match. */
export function compareRecords(a: readonly CaseRecord[], b: readonly CaseRecord[]) {
  const c = compareCaseRecords(a, b);
  if (c.missing.length > 0) throw new Error(`record ${c.missing[0]} missing from the second run`);
  return c;
}
