// The blind baseline on the Results tab: which runs are blank-image siblings, a run's sibling, and
// the blind-baseline table rows (real image vs blank image, per GD/PS method).
import { blindBaseline, type BlindBaseline } from '../blind.ts';
import type { Dataset } from '../types.ts';
import type { RunRecord } from '../run/records.ts';
import { effectiveCases, type MaybeStored } from './runResults.ts';

/** Whether a run is the blank-image sibling (blind baseline) of another run. */
export function isBlindRun(run: Pick<RunRecord, 'imageCondition' | 'runCard'>): boolean {
  return run.imageCondition === 'blank' || typeof run.runCard['blindOf'] === 'string';
}

/** The blank-image sibling of a run among the given runs (runCard.blindOf = the run's id), if any. */
export function blindSiblingOf<T extends Pick<RunRecord, 'id' | 'imageCondition' | 'runCard'>>(
  runs: readonly T[],
  runId: string,
): T | null {
  return runs.find((r) => isBlindRun(r) && r.runCard['blindOf'] === runId) ?? null;
}

/**
 * The blind-baseline table of a run: per GD/PS method answered in both runs, accuracy with the real
 * image, with the blank image, and the share of answers unchanged by the image (core blindBaseline,
 * on each run's effective cases).
 */
export function blindTableRows(
  dataset: Dataset,
  real: { run: Pick<RunRecord, 'promptHashes'>; cases: readonly MaybeStored[] },
  blank: { run: Pick<RunRecord, 'promptHashes'>; cases: readonly MaybeStored[] },
): BlindBaseline[] {
  const realCases = effectiveCases(real.run, real.cases);
  const blankCases = effectiveCases(blank.run, blank.cases);
  const rows: BlindBaseline[] = [];
  for (const method of ['GD', 'PS'] as const) {
    const row = blindBaseline(dataset, realCases, blankCases, method);
    if (row.casesCompared > 0) rows.push(row);
  }
  return rows;
}
