// The Results tab's import of a results file (official results JSON, CSV or bundle): checked
// against the loaded dataset, stored as an imported run (replacing one with the same id), then
// selected for comparison. Part of the results store (resultsStore.ts), kept apart for size.
import { ResultsError } from '../core/results/errors.ts';
import { parseResultsFile } from '../core/results/importFiles.ts';
import { runName } from '../core/run/runName.ts';
import { deleteRun as deleteRunFromDb, getRun, putCase, putRun, type BenchmarkDb } from '../db/database.ts';
import type { ResultsStoreDeps } from './resultsStore.ts';
import type { ResultsState } from './resultsState.ts';

/** Result files beyond this are not results of 176 pairs; reading them would only freeze the tab. */
export const MAX_RESULTS_FILE_BYTES = 100 * 1024 * 1024;

/** The prompt hash stored with imported cases whose file did not record one. */
export const IMPORTED_PROMPT_HASH = 'imported';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function formatBytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export interface ImportContext {
  deps: ResultsStoreDeps;
  get(): ResultsState;
  set(partial: Partial<ResultsState>): void;
  /** Drops what the store cached about a run id (its metrics, whether it was seen). */
  forget(id: string): void;
}

export function importAction({ deps, get, set, forget }: ImportContext): ResultsState['importFile'] {
  return async function importFile(file) {
    const title = `${file.name} was not imported`;
    const fail = (msg: string) => set({ importing: false, error: { title, message: msg } });
    set({ importing: true, error: null, notice: null });
    const dataset = deps.dataset();
    if (!dataset) {
      fail('No dataset is loaded, so the answers cannot be checked. Wait for the dataset to load.');
      return;
    }
    if (file.size > MAX_RESULTS_FILE_BYTES) {
      fail(
        `the file is ${formatBytes(file.size)}; a results file can be at most ${formatBytes(MAX_RESULTS_FILE_BYTES)}`,
      );
      return;
    }
    let parsed: ReturnType<typeof parseResultsFile>;
    try {
      parsed = parseResultsFile(await file.text(), file.name, dataset, {
        method: get().importMethod,
        now: deps.now(),
      });
    } catch (e) {
      // ResultsError messages name the record, row or pair at fault; anything else is a bug.
      fail(e instanceof ResultsError ? e.message : `unexpected error: ${message(e)}`);
      return;
    }
    const { run, records } = parsed;
    let replaced = false;
    let db: BenchmarkDb;
    try {
      db = await deps.db();
      if (await getRun(db, run.id)) {
        replaced = true;
        await deleteRunFromDb(db, run.id);
      }
    } catch (e) {
      fail(`browser storage could not be used: ${message(e)}`);
      return;
    }
    try {
      const computedAt = deps.now();
      for (const r of records) {
        await putCase(db, {
          ...r,
          runId: run.id,
          promptHash: run.promptHashes[r.method] ?? IMPORTED_PROMPT_HASH,
          computedAt,
        });
      }
      // The run last: until it is written the cases belong to no listed run.
      await putRun(db, run);
    } catch (e) {
      // All or nothing: remove what was written of this import.
      await deleteRunFromDb(db, run.id).catch(() => undefined);
      fail(`saving it failed: ${message(e)}`);
      return;
    }
    forget(run.id);
    set({ importing: false, detailRunId: run.id });
    await get().refresh();
    if (!get().selectedRunIds.includes(run.id)) await get().select(run.id);
    const methods = [...new Set(records.map((r) => r.method))].join(', ');
    set({
      notice:
        `${replaced ? 'Re-imported' : 'Imported'} “${runName(run)}” from ${file.name}: ${records.length} ` +
        `answers (${methods}). It is selected for comparison below.`,
    });
  };
}
