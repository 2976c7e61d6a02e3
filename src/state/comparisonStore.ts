// The Results tab's "Compare two runs": which two stored runs are compared (A the reference, B the
// other), their comparison (core/results/runComparison: flipped answers, agreement, McNemar) or
// why they cannot be compared, recomputed when either run gains answers, and the comparison as a
// JSON file. The only comparison code that reads the database.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  compareRuns,
  comparisonJson,
  type ComparisonRefusal,
  type RunComparison,
} from '../core/results/runComparison.ts';
import type { Dataset } from '../core/types.ts';
import { getCasesForRun, getRun, sharedDb, type BenchmarkDb } from '../db/database.ts';
import { datasetStore } from './datasetStore.ts';
import type { ExportedFile } from './resultsState.ts';

export interface ComparisonState {
  aId: string | null;
  bId: string | null;
  status: 'idle' | 'computing' | 'ready' | 'error';
  result: RunComparison | ComparisonRefusal | null;
  error: string | null;

  /** Chooses run A (the reference) and recomputes. */
  setA(id: string | null): Promise<void>;
  /** Chooses run B and recomputes. */
  setB(id: string | null): Promise<void>;
  swap(): Promise<void>;
  /** Recomputes the comparison of the chosen runs (their answers may have grown). */
  refresh(): Promise<void>;
  /** The comparison as a JSON file; null when there is none. */
  exportJson(): ExportedFile | null;
}

export interface ComparisonStoreDeps {
  db: () => Promise<BenchmarkDb>;
  dataset: () => Dataset | null;
}

export type ComparisonStore = StoreApi<ComparisonState>;

const browserDeps: ComparisonStoreDeps = {
  db: sharedDb,
  dataset: () => datasetStore.getState().dataset,
};

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function createComparisonStore(overrides: Partial<ComparisonStoreDeps> = {}): ComparisonStore {
  const deps: ComparisonStoreDeps = { ...browserDeps, ...overrides };
  // Only the latest computation may publish (the user may pick again before one finishes).
  let ticket = 0;

  return createStore<ComparisonState>()((set, get) => {
    async function compute(): Promise<void> {
      const mine = ++ticket;
      const { aId, bId } = get();
      const dataset = deps.dataset();
      if (aId === null || bId === null || dataset === null) {
        set({ status: 'idle', result: null, error: null });
        return;
      }
      set({ status: 'computing', error: null });
      try {
        const db = await deps.db();
        const [runA, runB, casesA, casesB] = await Promise.all([
          getRun(db, aId),
          getRun(db, bId),
          getCasesForRun(db, aId),
          getCasesForRun(db, bId),
        ]);
        if (mine !== ticket) return;
        if (!runA || !runB) {
          set({ status: 'error', result: null, error: 'One of the chosen runs is no longer stored.' });
          return;
        }
        const result = compareRuns({ run: runA, cases: casesA }, { run: runB, cases: casesB }, dataset);
        set({ status: 'ready', result, error: null });
      } catch (e) {
        if (mine !== ticket) return;
        set({ status: 'error', result: null, error: `The runs could not be compared: ${message(e)}` });
      }
    }

    return {
      aId: null,
      bId: null,
      status: 'idle',
      result: null,
      error: null,

      async setA(id) {
        set({ aId: id });
        await compute();
      },

      async setB(id) {
        set({ bId: id });
        await compute();
      },

      async swap() {
        set({ aId: get().bId, bId: get().aId });
        await compute();
      },

      refresh: compute,

      exportJson() {
        const { result } = get();
        const dataset = deps.dataset();
        if (!result?.comparable || !dataset) return null;
        const text = JSON.stringify(comparisonJson(result, dataset), null, 1);
        const name = (s: string) => s.replace(/[^\w.-]+/g, '_').slice(0, 40);
        return {
          blob: new Blob([text], { type: 'application/json' }),
          fileName: `comparison_${name(result.a.label)}_vs_${name(result.b.label)}.json`,
        };
      },
    };
  });
}

/** The app's comparison store. */
export const comparisonStore: ComparisonStore = createComparisonStore();

export function useComparisonStore<T>(selector: (state: ComparisonState) => T): T {
  return useStore(comparisonStore, selector);
}
