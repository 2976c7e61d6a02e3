// Whether this browser holds any run yet. Until one exists the app shows a first-visit guide
// ("start here": model → images → run); a run started here or imported in Results ends it, and
// deleting every run brings it back.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { listRuns, sharedDb, type BenchmarkDb } from '../db/database.ts';
import { resultsStore, type ResultsStore } from './resultsStore.ts';
import { runStore, type RunStore } from './runStore.ts';

export interface FirstVisitState {
  /** null until the stored runs have been read. */
  hasRun: boolean | null;
  /** Reads the stored runs and follows the run and results stores from then on (idempotent). */
  start(): Promise<void>;
}

export interface FirstVisitDeps {
  db: () => Promise<BenchmarkDb>;
  runs: RunStore;
  results: ResultsStore;
}

export type FirstVisitStore = StoreApi<FirstVisitState>;

export function createFirstVisitStore(overrides: Partial<FirstVisitDeps> = {}): FirstVisitStore {
  const deps: FirstVisitDeps = { db: sharedDb, runs: runStore, results: resultsStore, ...overrides };
  let started = false;
  return createStore<FirstVisitState>()((set) => ({
    hasRun: null,
    async start() {
      if (started) return;
      started = true;
      deps.runs.subscribe((s) => {
        if (s.run !== null) set({ hasRun: true });
      });
      deps.results.subscribe((s) => {
        if (s.status === 'ready') set({ hasRun: s.runs.length > 0 });
      });
      try {
        const runs = await listRuns(await deps.db());
        set((s) => ({ hasRun: s.hasRun === true || runs.length > 0 }));
      } catch {
        set({ hasRun: false }); // no storage: every visit is a first one
      }
    },
  }));
}

export const firstVisitStore: FirstVisitStore = createFirstVisitStore();

export function useFirstVisitStore<T>(selector: (state: FirstVisitState) => T): T {
  return useStore(firstVisitStore, selector);
}
