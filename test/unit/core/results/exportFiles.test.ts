// The export files: the official score JSON holds the summed table of the run's answers.
import { describe, expect, it } from 'vitest';
import type { Method } from '../../../../src/core/types.ts';
import { buildExport } from '../../../../src/core/results/exportFiles.ts';
import { computeRunResults } from '../../../../src/core/results/runResults.ts';
import { officialDataset } from '../fixtures.ts';
import { makeRun, randomRecords } from './fixtures.ts';

const METHODS_RUN: Method[] = ['GD', 'PS', 'MC'];
const records = randomRecords(officialDataset, METHODS_RUN, 11);
const run = makeRun('run-1', officialDataset);

describe('export files', () => {
  const results = computeRunResults(run, records, officialDataset);
  const input = { run, cases: records, dataset: officialDataset, results };

  it('official score JSON holds the summed table', () => {
    const file = buildExport({ kind: 'official-score', method: 'GD' }, input);
    expect(file.fileName).toBe('HuggingFaceTB_SmolVLM-256M-Instruct_greedy_score.json');
    const table = JSON.parse(file.text) as { set_score: { total: number } };
    expect(table.set_score.total).toBe(results.byMethod.GD!.metrics.counts.setCorrect);
  });
});
