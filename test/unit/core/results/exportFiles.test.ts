// The export files: the official score JSON holds the summed table of the run's answers; the
// bundle carries the model's image similarity when the run kept its image embeddings.
import { describe, expect, it } from 'vitest';
import type { Method } from '../../../../src/core/types.ts';
import { buildExport, type ResultsBundle } from '../../../../src/core/results/exportFiles.ts';
import {
  MODEL_SIMILARITY_DEFINITION,
  pairModelSimilarities,
} from '../../../../src/core/results/modelSimilarity.ts';
import type { ImageEmbedding } from '../../../../src/core/run/records.ts';
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

  it("bundle: modelSimilarity holds each pair's similarity when the run kept embeddings, else nothing", () => {
    const embeddings = new Map<string, ImageEmbedding>();
    officialDataset.pairs.slice(0, 12).forEach((pair, i) => {
      embeddings.set(pair.im1Local, { mean: Float32Array.of(1, i, 0.5), globalMean: null, vectors: 9 });
      embeddings.set(pair.im2Local, {
        mean: Float32Array.of(1, 0.5, i),
        globalMean: Float32Array.of(i, 1, 1),
        vectors: 9,
      });
    });
    const bundle = (extra: object) =>
      JSON.parse(buildExport({ kind: 'bundle' }, { ...input, ...extra }).text) as ResultsBundle;
    const withSims = bundle({ embeddings });
    const expected = [...pairModelSimilarities(officialDataset.pairs, embeddings).values()];
    expect(expected.length).toBeGreaterThan(0);
    expect(withSims.modelSimilarity).toEqual({ definition: MODEL_SIMILARITY_DEFINITION, pairs: expected });
    expect('modelSimilarity' in bundle({})).toBe(false);
    expect('modelSimilarity' in bundle({ embeddings: new Map() })).toBe(false);
    expect('modelSimilarity' in bundle({ embeddings: null })).toBe(false);
  });
});
