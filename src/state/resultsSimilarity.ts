// The Results tab's model image similarity: for the run whose card is shown, its image embeddings
// read from the database and set against each of its methods' answers (core/results/modelSimilarity).
// Part of the results store (resultsStore.ts), kept apart for size; cached per run like the metrics.
import { isBlindRun } from '../core/results/blindRows.ts';
import { runModelSimilarity, type RunModelSimilarity } from '../core/results/modelSimilarity.ts';
import { runName } from '../core/run/runName.ts';
import type { Dataset } from '../core/types.ts';
import { getCasesForRun, imageEmbeddingsOfRun, type StoredCase } from '../db/database.ts';
import type { ResultsStoreDeps } from './resultsStore.ts';
import type { ResultsState, RunSummary } from './resultsState.ts';

export interface SimilarityContext {
  deps: ResultsStoreDeps;
  get(): ResultsState;
  set(partial: Partial<ResultsState>): void;
  /** What a run's numbers were computed from (the metrics' cache key). */
  signature(summary: RunSummary, dataset: Dataset): string;
}

export interface SimilarityAction {
  /**
   * Publishes `similarityByRun` for the run whose card is shown (empty when it kept none);
   * `casesRead`: cases the caller has just read, by run id (not read again).
   */
  compute(dataset: Dataset, casesRead?: ReadonlyMap<string, readonly StoredCase[]>): Promise<void>;
  forget(id: string): void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function similarityAction({ deps, get, set, signature }: SimilarityContext): SimilarityAction {
  const cache = new Map<string, { signature: string; value: RunModelSimilarity | null }>();

  /** Null for runs without embeddings: older runs, imported files, blind-baseline (blank image) runs. */
  async function load(
    summary: RunSummary,
    dataset: Dataset,
    casesRead: ReadonlyMap<string, readonly StoredCase[]> | undefined,
  ): Promise<RunModelSimilarity | null> {
    const id = summary.run.id;
    const sig = signature(summary, dataset);
    const hit = cache.get(id);
    if (hit?.signature === sig) return hit.value;
    let value: RunModelSimilarity | null = null;
    if (summary.comparable && !summary.run.imported && !isBlindRun(summary.run)) {
      const db = await deps.db();
      const embeddings = await imageEmbeddingsOfRun(db, id);
      if (embeddings.size > 0) {
        const cases = casesRead?.get(id) ?? (await getCasesForRun(db, id));
        value = runModelSimilarity(summary.run, cases, dataset, embeddings);
      }
    }
    cache.set(id, { signature: sig, value });
    return value;
  }

  return {
    async compute(dataset, casesRead) {
      const summary = get().runs.find((s) => s.run.id === get().detailRunId);
      const similarityByRun: ResultsState['similarityByRun'] = {};
      if (summary) {
        try {
          const value = await load(summary, dataset, casesRead);
          if (value) similarityByRun[summary.run.id] = value;
        } catch (e) {
          set({
            error: {
              title: `Could not read the image embeddings of “${runName(summary.run)}”`,
              message: message(e),
            },
          });
        }
      }
      set({ similarityByRun });
    },
    forget(id) {
      cache.delete(id);
    },
  };
}
