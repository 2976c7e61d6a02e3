// The run card: everything needed to reproduce the run, with or without its numbers, and the scoring
// report read from the run's provenance (null when absent or malformed).
import { describe, expect, it } from 'vitest';
import type { Method } from '../../../../src/core/types.ts';
import { buildRunCard } from '../../../../src/core/results/runCard.ts';
import { computeRunResults } from '../../../../src/core/results/runResults.ts';
import { officialDataset } from '../fixtures.ts';
import { makeRun, randomRecords } from './fixtures.ts';

const METHODS_RUN: Method[] = ['GD', 'PS', 'MC'];
const records = randomRecords(officialDataset, METHODS_RUN, 11);
const run = makeRun('run-1', officialDataset);

describe('run card', () => {
  it('holds everything needed to reproduce the run', () => {
    const results = computeRunResults(run, records, officialDataset);
    const card = buildRunCard(run, officialDataset, results);
    expect(card).toMatchObject({
      format: 'mediconfusion-run-card',
      runId: 'run-1',
      model: { id: run.model.modelId, revision: 'abc123', sourceKind: 'hub' },
      device: 'webgpu',
      dtype: 'q8',
      methods: ['GD', 'PS', 'MC'],
      promptHashes: run.promptHashes,
      engineVersion: '1',
      dataset: { name: 'MediConfusion', hash: officialDataset.hash, pairs: 176 },
      browser: run.runCard.browser,
      libraryVersions: run.runCard.libraryVersions,
      createdAt: '2025-01-02T03:04:05.000Z',
      statistics: { bootstrap: { iterations: 2000, seed: 1, level: 0.95 } },
    });
    expect(card.results?.GD?.setAccuracy).toBe(results.byMethod.GD!.metrics.setAccuracy);
    expect(card.results?.GD?.setAccuracyCI).toEqual([
      results.byMethod.GD!.setAccuracyCI.lower,
      results.byMethod.GD!.setAccuracyCI.upper,
    ]);
    // Without the dataset there are no numbers, but the card still describes the run.
    const bare = buildRunCard(run, null, null);
    expect(bare.results).toBeNull();
    expect(bare.dataset.pairs).toBeNull();
  });
});

describe('run card scoring report', () => {
  const withScoring = (scoring: unknown) =>
    makeRun('scored', officialDataset, { runCard: { ...run.runCard, scoring } });
  const cached = {
    modeRequested: 'cached',
    modeUsed: 'cached',
    cacheCheck: { passed: true, maxProbDiff: 2.5e-7, cases: 4 },
  };
  const full = { modeRequested: 'cached', modeUsed: 'full', modeReason: 'the self-check disagreed' };

  it('carries the scoring mode the run recorded, with its reason and self-check', () => {
    expect(buildRunCard(withScoring(cached), officialDataset, null).scoring).toEqual(cached);
    expect(buildRunCard(withScoring(full), null, null).scoring).toEqual(full);
    // Only the report's own fields are kept.
    expect(buildRunCard(withScoring({ ...full, extra: 1 }), null, null).scoring).toEqual(full);
  });

  it('carries the self-check tolerance and its dtype where recorded', () => {
    const q8 = {
      ...cached,
      cacheCheck: {
        passed: true,
        maxProbDiff: 0.04,
        cases: 6,
        tolerance: 0.1,
        toleranceDtype: 'q8',
        exactDecisions: false,
      },
    };
    expect(buildRunCard(withScoring(q8), null, null).scoring).toEqual(q8);
  });

  it('is null when the run recorded none', () => {
    expect(buildRunCard(run, officialDataset, null).scoring).toBeNull();
  });

  it('is null when the recorded report is malformed', () => {
    const malformed: unknown[] = [
      'cached',
      null,
      [],
      { modeRequested: 'cached' },
      { modeRequested: 'cached', modeUsed: 'fast' },
      { modeRequested: 'partial', modeUsed: 'full' },
      { modeRequested: 'cached', modeUsed: 'full', modeReason: 42 },
      { ...cached, cacheCheck: null },
      { ...cached, cacheCheck: { passed: 'yes', maxProbDiff: 0, cases: 1 } },
      { ...cached, cacheCheck: { passed: true, maxProbDiff: '0', cases: 1 } },
      { ...cached, cacheCheck: { passed: true, maxProbDiff: 0 } },
    ];
    for (const scoring of malformed) {
      expect({ scoring, card: buildRunCard(withScoring(scoring), null, null).scoring }).toEqual({
        scoring,
        card: null,
      });
    }
  });
});
