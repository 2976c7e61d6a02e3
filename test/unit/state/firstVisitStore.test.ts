import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { openBenchmarkDb, putRun } from '../../../src/db/database.ts';
import { createFirstVisitStore } from '../../../src/state/firstVisitStore.ts';
import type { ResultsStore } from '../../../src/state/resultsStore.ts';
import type { RunStore } from '../../../src/state/runStore.ts';
import { makeRun } from '../core/results/fixtures.ts';
import { officialDataset } from '../core/fixtures.ts';

function fakes() {
  const runs = createStore(() => ({ run: null as unknown }));
  const results = createStore(() => ({ status: 'idle', runs: [] as unknown[] }));
  return { runs, results };
}

describe('first visit', () => {
  it('is a first visit until a run is stored, started or imported, and again once all are deleted', async () => {
    const db = openBenchmarkDb(`first-visit-${Date.now()}`);
    const { runs, results } = fakes();
    const store = createFirstVisitStore({
      db: () => db,
      runs: runs as unknown as RunStore,
      results: results as unknown as ResultsStore,
    });
    expect(store.getState().hasRun).toBeNull();
    await store.getState().start();
    expect(store.getState().hasRun).toBe(false);
    runs.setState({ run: { id: 'r1' } });
    expect(store.getState().hasRun).toBe(true);
    results.setState({ status: 'ready', runs: [] });
    expect(store.getState().hasRun).toBe(false);

    await putRun(await db, makeRun('r2', officialDataset));
    const { runs: runs2, results: results2 } = fakes();
    const again = createFirstVisitStore({
      db: () => db,
      runs: runs2 as unknown as RunStore,
      results: results2 as unknown as ResultsStore,
    });
    await again.getState().start();
    expect(again.getState().hasRun).toBe(true);
  });
});
