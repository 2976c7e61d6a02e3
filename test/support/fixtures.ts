// Paths of the generated test fixtures and small helpers shared by engine and browser tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDatasetJson } from '../../src/core/dataset.ts';
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

export function recordKey(r: Pick<CaseRecord, 'pairId' | 'slot' | 'method'>): string {
  return `${r.pairId}/${r.slot}/${r.method}`;
}

/** Largest difference between two runs' probabilities (GD) and prefix scores (PS); answers must match. */
export function compareRecords(a: readonly CaseRecord[], b: readonly CaseRecord[]) {
  const byKey = new Map(b.map((r) => [recordKey(r), r]));
  let maxProbDiff = 0;
  const answerMismatches: string[] = [];
  const textMismatches: string[] = [];
  for (const r of a) {
    const o = byKey.get(recordKey(r));
    if (!o) throw new Error(`record ${recordKey(r)} missing from the second run`);
    if (r.answer !== o.answer) answerMismatches.push(recordKey(r));
    if (r.probabilities && o.probabilities) {
      maxProbDiff = Math.max(maxProbDiff, Math.abs(r.probabilities.A - o.probabilities.A));
    }
    if (r.prefixScores && o.prefixScores) {
      maxProbDiff = Math.max(
        maxProbDiff,
        Math.abs(r.prefixScores.A - o.prefixScores.A),
        Math.abs(r.prefixScores.B - o.prefixScores.B),
      );
    }
    if (r.generatedText !== o.generatedText) textMismatches.push(recordKey(r));
  }
  return { maxProbDiff, answerMismatches, textMismatches, compared: a.length };
}
