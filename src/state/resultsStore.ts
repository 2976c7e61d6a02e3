// The Results tab's state: the runs kept in IndexedDB (with their case counts and whether they
// answer the loaded dataset), which runs are compared side by side, their metrics (computed once per
// change of a run and cached), the shown run's model image similarity (resultsSimilarity.ts), and
// deleting, exporting and importing results. Components read this store and call its actions; it is
// the only Results code that touches the database.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BlindBaseline } from '../core/blind.ts';
import type { Dataset } from '../core/types.ts';
import {
  countCasesForRun,
  deleteRun as deleteRunFromDb,
  getCasesForRun,
  imageEmbeddingsOfRun,
  listRuns,
  putRun,
  sharedDb,
  type BenchmarkDb,
  type RunRecord,
  type StoredCase,
} from '../db/database.ts';
import { datasetStore } from './datasetStore.ts';
import { cleanRunName, runName } from '../core/run/runName.ts';
import { importAction } from './resultsImport.ts';
import { similarityAction } from './resultsSimilarity.ts';
import { blindSiblingOf, blindTableRows, isBlindRun } from '../core/results/blindRows.ts';
import { buildExport } from '../core/results/exportFiles.ts';
import { computeRunResults, type RunResults } from '../core/results/runResults.ts';
import type { ResultsState, RunSummary } from './resultsState.ts';

/** Runs selected for comparison the first time the tab opens (newest first). */
export const DEFAULT_SELECTION = 3;

export { IMPORTED_PROMPT_HASH, MAX_RESULTS_FILE_BYTES } from './resultsImport.ts';

export type {
  ExportedFile,
  ResultsProblem,
  ResultsState,
  ResultsStatus,
  RunSummary,
} from './resultsState.ts';

export interface ResultsStoreDeps {
  db: () => Promise<BenchmarkDb>;
  /** The loaded dataset (the dataset store's), read whenever needed. */
  dataset: () => Dataset | null;
  now: () => number;
  writeClipboard: (text: string) => Promise<void>;
}

export type ResultsStore = StoreApi<ResultsState>;

const browserDeps: ResultsStoreDeps = {
  db: sharedDb,
  dataset: () => datasetStore.getState().dataset,
  now: () => Date.now(),
  writeClipboard: async (text) => {
    if (typeof navigator === 'undefined' || !navigator.clipboard) {
      throw new Error('this browser does not allow copying from the page (use Download instead)');
    }
    await navigator.clipboard.writeText(text);
  },
};

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function createResultsStore(overrides: Partial<ResultsStoreDeps> = {}): ResultsStore {
  const deps: ResultsStoreDeps = { ...browserDeps, ...overrides };
  // Per run: what its metrics were computed from, so a run that gained cases is recomputed.
  const cache = new Map<string, { signature: string; results: RunResults }>();
  const blindCache = new Map<string, { signature: string; rows: BlindBaseline[] }>();
  // Runs seen by an earlier refresh: a run appearing later (a finished run, an import) is selected.
  const seen = new Set<string>();
  let firstRefresh = true;
  // Each refresh takes a ticket; only the latest may publish, so a slow one cannot undo a newer one.
  let latest = 0;

  function signature(summary: RunSummary, dataset: Dataset): string {
    return `${summary.run.updatedAt}|${summary.caseCount}|${dataset.hash}`;
  }

  return createStore<ResultsState>()((set, get) => {
    const similarity = similarityAction({ deps, get, set, signature });
    /** Computes metrics for the selected runs and the detail run where missing or out of date. */
    async function computeNeeded(): Promise<void> {
      const dataset = deps.dataset();
      if (!dataset) return;
      const { runs, selectedRunIds, detailRunId } = get();
      const wanted = new Set([...selectedRunIds, ...(detailRunId ? [detailRunId] : [])]);
      let changed = false;
      // Cases read here are handed on, so the shown run's similarity does not read them again.
      const casesRead = new Map<string, StoredCase[]>();
      for (const summary of runs) {
        if (!wanted.has(summary.run.id) || !summary.comparable) continue;
        const sig = signature(summary, dataset);
        if (cache.get(summary.run.id)?.signature === sig) continue;
        try {
          const cases = await getCasesForRun(await deps.db(), summary.run.id);
          casesRead.set(summary.run.id, cases);
          cache.set(summary.run.id, {
            signature: sig,
            results: computeRunResults(summary.run, cases, dataset),
          });
          changed = true;
        } catch (e) {
          set({
            error: {
              title: `Could not compute the results of “${runName(summary.run)}”`,
              message: message(e),
            },
          });
        }
      }
      if (changed || Object.keys(get().metricsByRun).length !== cache.size) publishMetrics(dataset);
      // The blind baseline of every stored run that has one, ticked for comparison or not.
      await computeBlind(dataset, new Set(runs.map((r) => r.run.id)));
      await similarity.compute(dataset, casesRead);
    }

    /** Blind-baseline rows for the wanted runs with a stored blank-image sibling (cached like metrics). */
    async function computeBlind(dataset: Dataset, wanted: ReadonlySet<string>): Promise<void> {
      const runs = get().runs;
      const blindByRun: Record<string, BlindBaseline[]> = {};
      for (const summary of runs) {
        if (!wanted.has(summary.run.id) || !summary.comparable || isBlindRun(summary.run)) continue;
        const blindRun = blindSiblingOf(
          runs.map((r) => r.run),
          summary.run.id,
        );
        const blindSummary = blindRun ? (runs.find((s) => s.run === blindRun) ?? null) : null;
        if (!blindSummary || !blindSummary.comparable) continue;
        const sig = `${signature(summary, dataset)}|${signature(blindSummary, dataset)}`;
        const hit = blindCache.get(summary.run.id);
        if (hit?.signature === sig) {
          blindByRun[summary.run.id] = hit.rows;
          continue;
        }
        try {
          const db = await deps.db();
          const [realCases, blankCases] = await Promise.all([
            getCasesForRun(db, summary.run.id),
            getCasesForRun(db, blindSummary.run.id),
          ]);
          const rows = blindTableRows(
            dataset,
            { run: summary.run, cases: realCases },
            { run: blindSummary.run, cases: blankCases },
          );
          blindCache.set(summary.run.id, { signature: sig, rows });
          blindByRun[summary.run.id] = rows;
        } catch (e) {
          set({
            error: {
              title: `Could not compute the blind baseline of “${runName(summary.run)}”`,
              message: message(e),
            },
          });
        }
      }
      set({ blindByRun });
    }

    /** metricsByRun = the cached results that belong to listed runs on the loaded dataset. */
    function publishMetrics(dataset: Dataset): void {
      const listed = new Set(get().runs.map((r) => r.run.id));
      const metricsByRun: Record<string, RunResults> = {};
      for (const [id, { results }] of cache) {
        if (!listed.has(id)) cache.delete(id);
        else if (results.datasetHash === dataset.hash) metricsByRun[id] = results;
      }
      set({ metricsByRun });
    }

    return {
      runs: [],
      selectedRunIds: [],
      metricsByRun: {},
      similarityByRun: {},
      blindByRun: {},
      status: 'idle',
      error: null,
      notice: null,
      datasetHash: null,
      detailRunId: null,
      confirmDeleteId: null,
      importing: false,
      importMethod: 'auto',
      categoryMetric: 'setAccuracy',
      categoryMethod: 'best',

      async refresh() {
        const ticket = ++latest;
        set({ status: 'loading' });
        let runs: RunRecord[];
        let counts: number[];
        try {
          const db = await deps.db();
          runs = await listRuns(db);
          counts = await Promise.all(runs.map((r) => countCasesForRun(db, r.id)));
        } catch (e) {
          if (ticket !== latest) return;
          set({
            status: 'error',
            error: { title: 'Stored runs could not be read', message: message(e) },
          });
          return;
        }
        if (ticket !== latest) return;
        const dataset = deps.dataset();
        const summaries: RunSummary[] = runs.map((run, i) => {
          const comparable = dataset !== null && run.datasetHash === dataset.hash;
          return {
            run,
            caseCount: counts[i] ?? 0,
            comparable,
            expectedCases: comparable ? dataset.pairs.length * 2 * Math.max(1, run.methods.length) : null,
          };
        });
        // Blind-baseline runs are not compared as rows of their own: they show in the blind table.
        const comparableIds = summaries
          .filter((s) => s.comparable && !isBlindRun(s.run))
          .map((s) => s.run.id);
        let selected = get().selectedRunIds.filter((id) => comparableIds.includes(id));
        const fresh = comparableIds.filter((id) => !seen.has(id));
        if (firstRefresh) selected = [...selected, ...fresh.slice(0, DEFAULT_SELECTION)];
        else selected = [...selected, ...fresh];
        if (dataset) {
          // Only runs checked against a dataset count as seen, so they are selectable once one loads.
          for (const s of summaries) seen.add(s.run.id);
          firstRefresh = false;
        }
        const order = new Map(summaries.map((s, i) => [s.run.id, i]));
        selected = [...new Set(selected)].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
        const ids = new Set(summaries.map((s) => s.run.id));
        const detail = get().detailRunId;
        set({
          runs: summaries,
          selectedRunIds: selected,
          detailRunId:
            detail !== null && ids.has(detail) ? detail : (selected[0] ?? summaries[0]?.run.id ?? null),
          confirmDeleteId: ids.has(get().confirmDeleteId ?? '') ? get().confirmDeleteId : null,
          datasetHash: dataset?.hash ?? null,
          status: 'ready',
        });
        if (dataset) publishMetrics(dataset);
        else set({ metricsByRun: {} });
        await computeNeeded();
      },

      async select(id) {
        const summary = get().runs.find((s) => s.run.id === id);
        if (!summary?.comparable || isBlindRun(summary.run) || get().selectedRunIds.includes(id)) return;
        const order = new Map(get().runs.map((s, i) => [s.run.id, i]));
        const selectedRunIds = [...get().selectedRunIds, id].sort(
          (a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0),
        );
        set({ selectedRunIds });
        await computeNeeded();
      },

      deselect(id) {
        set({ selectedRunIds: get().selectedRunIds.filter((x) => x !== id) });
      },

      async showDetails(id) {
        if (!get().runs.some((s) => s.run.id === id)) return;
        set({ detailRunId: id });
        await computeNeeded();
      },

      requestDelete(id) {
        set({ confirmDeleteId: id });
      },

      cancelDelete() {
        set({ confirmDeleteId: null });
      },

      async deleteRun(id) {
        const found = get().runs.find((s) => s.run.id === id)?.run;
        const label = found ? runName(found) : id;
        set({ confirmDeleteId: null });
        try {
          await deleteRunFromDb(await deps.db(), id);
        } catch (e) {
          set({ error: { title: `Run “${label}” was not deleted`, message: message(e) } });
          return;
        }
        cache.delete(id);
        similarity.forget(id);
        set({
          selectedRunIds: get().selectedRunIds.filter((x) => x !== id),
          detailRunId: get().detailRunId === id ? null : get().detailRunId,
          notice: `Deleted run “${label}” and its answers.`,
        });
        await get().refresh();
      },

      async exportRun(id, kind) {
        const summary = get().runs.find((s) => s.run.id === id);
        if (!summary) {
          set({ error: { title: 'Nothing to export', message: `run ${id} is no longer stored` } });
          return null;
        }
        try {
          const db = await deps.db();
          const [cases, embeddings] = await Promise.all([
            getCasesForRun(db, id),
            imageEmbeddingsOfRun(db, id),
          ]);
          const dataset = deps.dataset();
          const comparable = dataset !== null && dataset.hash === summary.run.datasetHash;
          let results: RunResults | null = null;
          if (comparable) {
            const sig = signature(summary, dataset);
            const hit = cache.get(id);
            results = hit?.signature === sig ? hit.results : computeRunResults(summary.run, cases, dataset);
          }
          const file = buildExport(kind, { run: summary.run, cases, dataset, results, embeddings });
          return { blob: new Blob([file.text], { type: file.mimeType }), fileName: file.fileName };
        } catch (e) {
          set({ error: { title: `Could not export “${runName(summary.run)}”`, message: message(e) } });
          return null;
        }
      },

      async copyRunCard(id) {
        const file = await get().exportRun(id, { kind: 'run-card' });
        if (!file) return;
        try {
          await deps.writeClipboard(await file.blob.text());
          set({ notice: 'Run card copied to the clipboard.' });
        } catch (e) {
          set({ error: { title: 'The run card was not copied', message: message(e) } });
        }
      },

      importFile: importAction({
        deps,
        get,
        set,
        forget: (id) => {
          cache.delete(id);
          similarity.forget(id);
          seen.delete(id);
        },
      }),

      async renameRun(id, name) {
        const summary = get().runs.find((r) => r.run.id === id);
        if (!summary) return;
        const clean = cleanRunName(name);
        const { name: _old, ...rest } = summary.run;
        const next = clean ? { ...rest, name: clean } : rest;
        try {
          await putRun(await deps.db(), next);
        } catch (e) {
          set({ error: { title: `Run “${runName(summary.run)}” was not renamed`, message: message(e) } });
          return;
        }
        await get().refresh();
      },

      setImportMethod(importMethod) {
        set({ importMethod });
      },

      setCategoryMetric(categoryMetric) {
        set({ categoryMetric });
      },

      setCategoryMethod(categoryMethod) {
        set({ categoryMethod });
      },

      dismissError() {
        set({ error: null });
      },

      dismissNotice() {
        set({ notice: null });
      },
    };
  });
}

/** The app's results store. */
export const resultsStore: ResultsStore = createResultsStore();

/** React binding: `useResultsStore((s) => s.runs)`. */
export function useResultsStore<T>(selector: (state: ResultsState) => T): T {
  return useStore(resultsStore, selector);
}
