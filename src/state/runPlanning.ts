// The run store's planning: what the chosen run would compute now (the preview shown before a
// start, refreshed whenever the model, methods or images change), and the refusal to start a run
// that has nothing to compute ("Complete, 0/0" would say nothing useful); also what the Run tab's
// choices make as a run identity (runConfiguration). Notices computed by an
// earlier start (pairs not run) are brought up to date with the images present now.
import { planRun, type RunPlan } from '../core/run/plan.ts';
import { runIdentity, RunSetupError, type RunIdentity } from '../core/run/identity.ts';
import { METHOD_SPECS } from '../core/run/methods.ts';
import { METHODS } from '../core/types.ts';
import { appRunSetup } from './runRecord.ts';
import type { RunRecord } from '../core/run/records.ts';
import { describeSelection, selectPairs } from '../core/run/selection.ts';
import type { ConfusionPair } from '../core/types.ts';
import { getCasesForRun, getRun, listImageIds } from '../db/database.ts';
import type { ReadableError } from './engineClient.ts';
import type { RunState, RunStoreDeps } from './runState.ts';
import { ACTIVE_PHASES } from './runTabs.ts';

export function problem(title: string, message: string): ReadableError {
  return { kind: 'unknown', title, message };
}

/** The loaded model, dataset and methods as a run identity, or the reason there is none. */
export function runConfiguration(
  deps: RunStoreDeps,
  get: () => RunState,
): { ok: true; identity: RunIdentity } | { ok: false; error: ReadableError } {
  const dataset = deps.dataset();
  if (!dataset) return { ok: false, error: problem('No dataset', 'The dataset is not loaded yet.') };
  const loaded = deps.models.getState().model;
  if (!loaded) return { ok: false, error: problem('No model loaded', 'Load a model first (section Model).') };
  const methods = METHODS.filter((m) => get().methods[m]);
  if (methods.length === 0)
    return { ok: false, error: problem('No method chosen', 'Choose at least one method.') };
  const judge = deps.judge.getState();
  if (methods.some((m) => METHOD_SPECS[m].needsJudge) && !judge.judge)
    return {
      ok: false,
      error: problem('No judge loaded', 'FF needs a judge model: load one under "Judge for FF".'),
    };
  try {
    const setup = appRunSetup({
      dataset,
      model: {
        modelId: loaded.identity.modelId,
        revision: loaded.identity.revision,
        dtype: loaded.info.dtype,
        device: loaded.info.device,
        family: loaded.info.family,
        ...(loaded.info.preprocessing ? { preprocessing: loaded.info.preprocessing } : {}),
      },
      methods,
      preprocessing: get().preprocessing,
      freeForm: judge.judge
        ? { judge: judge.judge.identity, maxNewTokens: judge.maxNewTokens, threshold: judge.threshold }
        : null,
      letterRule: get().letterRule,
    });
    return { ok: true, identity: runIdentity(setup) };
  } catch (e) {
    if (e instanceof RunSetupError) return { ok: false, error: problem('Cannot start', e.message) };
    throw e;
  }
}

/** The plan of a run against what is stored now (its cases, the images present). */
export async function currentPlan(
  deps: Pick<RunStoreDeps, 'db'>,
  identity: RunIdentity,
  pairs: readonly ConfusionPair[],
): Promise<{ plan: RunPlan; record: RunRecord | undefined }> {
  const db = await deps.db();
  const blank = identity.imageCondition === 'blank';
  const [record, stored, present] = await Promise.all([
    getRun(db, identity.runId),
    getCasesForRun(db, identity.runId),
    blank ? Promise.resolve([] as string[]) : listImageIds(db),
  ]);
  const plan = planRun({
    identity,
    pairs,
    presentImageIds: new Set(present),
    storedKeys: new Set(stored.map((c) => c.key)),
  });
  return { plan, record };
}

/** Why a run cannot start: none of the chosen pairs has both of its images. */
export function nothingToRun(plan: RunPlan, pairsChosen: number): ReadableError | null {
  if (plan.total > 0) return null;
  return {
    kind: 'unknown',
    title: 'Nothing to run',
    message:
      pairsChosen === 0
        ? 'No pair is chosen: choose which pairs to run.'
        : `No pair of the ${pairsChosen} chosen has both of its images in this browser, so there is ` +
          'nothing to compute.',
    hint: 'Add the images under “2. Images” (download them, or import the folder), then start.',
  };
}

export interface PlanningContext {
  deps: RunStoreDeps;
  get(): RunState;
  set(partial: Partial<RunState>): void;
  configuration(): { ok: true; identity: RunIdentity } | { ok: false; error: ReadableError };
}

/** The pairs the chosen selection takes from the loaded dataset, and the selection in words. */
export function chosenPairs(
  deps: Pick<RunStoreDeps, 'dataset'>,
  get: () => Pick<RunState, 'selection'>,
): { pairs: ConfusionPair[]; description: string; unknownIds: string[] } | null {
  const dataset = deps.dataset();
  if (!dataset) return null;
  const selection = get().selection;
  const { pairs, unknownIds } = selectPairs(dataset.pairs, selection);
  return { pairs, unknownIds, description: describeSelection(selection, pairs.length, dataset.pairs.length) };
}

export function planningActions({
  deps,
  get,
  set,
  configuration,
}: PlanningContext): Pick<RunState, 'refreshPreview' | 'setSelection'> {
  return {
    setSelection(selection) {
      set({ selection });
    },

    async refreshPreview() {
      const chosen = configuration();
      const part = chosenPairs(deps, get);
      if (!chosen.ok || !part) {
        set({ preview: null });
        return;
      }
      const { identity } = chosen;
      try {
        const { plan, record } = await currentPlan(deps, identity, part.pairs);
        const blocked = nothingToRun(plan, part.pairs.length);
        set({
          preview: {
            runId: identity.runId,
            total: plan.total,
            alreadyDone: plan.alreadyDone,
            notRunPairs: plan.notRunPairs.length,
            status: record?.status ?? null,
            blocked: blocked?.message ?? null,
            selection: part.description,
            unknownIds: part.unknownIds,
          },
        });
        // A notice from the last start about pairs lacking images follows the images present now.
        if (!ACTIVE_PHASES.includes(get().phase) && get().runId === identity.runId) {
          set({ notRunPairs: plan.notRunPairs });
        }
      } catch {
        set({ preview: null });
      }
    },
  };
}
