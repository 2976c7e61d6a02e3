// The run store's recovery actions: retry on wasm after a lost GPU, find the runs a closed or
// crashed tab left "running" (never restarted by themselves) and how far each got, put the latest
// one's settings back in the form (model, dtype, device, methods, blind baseline, pairs,
// preprocessing, GD letter rule), and resume one of them with the model and settings it was started with.
import { preprocessingOf } from '../core/results/runCard.ts';
import { blindIdentity, type RunIdentity } from '../core/run/identity.ts';
import { DEFAULT_LETTER_RULE } from '../core/run/letterRules.ts';
import { planRun } from '../core/run/plan.ts';
import type { RunRecord } from '../core/run/records.ts';
import { ALL_PAIRS, selectPairs } from '../core/run/selection.ts';
import { METHODS, type Method } from '../core/types.ts';
import { getCasesForRun, listImageIds, listRuns } from '../db/database.ts';
import { startedWithOf } from './runRecord.ts';
import type { ReadableError } from './engineClient.ts';
import type { RunState, RunStoreDeps } from './runState.ts';
import { ACTIVE_PHASES, LOCK_PREFIX } from './runTabs.ts';

export interface RecoveryContext {
  deps: RunStoreDeps;
  get(): RunState;
  set(partial: Partial<RunState>): void;
  /** The run the current choices make, or why there is none. */
  configuration(): { ok: true; identity: RunIdentity } | { ok: false; error: ReadableError };
  problem(title: string, message: string): ReadableError;
}

export function recoveryActions({
  deps,
  get,
  set,
  configuration,
  problem,
}: RecoveryContext): Pick<RunState, 'retryOnWasm' | 'resumeIfInterrupted' | 'resumeInterrupted'> {
  /** The run's methods, blind baseline and pairs as its last start chose them. */
  function restoreSettings(run: RunRecord): void {
    const startedWith = startedWithOf(run);
    const chosen = startedWith?.methods ?? (run.methods as Method[]);
    const methods = { GD: false, PS: false, MC: false, FF: false };
    for (const m of METHODS) methods[m] = chosen.includes(m);
    set({
      methods,
      preprocessing: preprocessingOf(run)?.choice ?? 'default',
      letterRule: run.letterRule ?? DEFAULT_LETTER_RULE,
      ...(startedWith ? { blind: startedWith.blind, selection: startedWith.selection } : {}),
    });
  }

  /**
   * After a reload the form shows the interrupted run's settings, not the defaults: only while
   * nothing is loaded or running here, and never starting or loading anything by itself.
   */
  function restoreForm(run: RunRecord): void {
    const models = deps.models.getState();
    if (ACTIVE_PHASES.includes(get().phase) || models.model !== null || models.status !== 'idle') return;
    if (run.model.sourceKind === 'hub') {
      models.setHubId(run.model.modelId);
      models.setRevision(run.model.revision);
      models.setDevice(run.device);
      models.setDtypeLabel(run.dtype);
    }
    restoreSettings(run);
  }

  return {
    async retryOnWasm() {
      const models = deps.models.getState();
      models.setDevice('wasm');
      set({ error: null, canRetryOnWasm: false });
      if (await deps.models.getState().load()) await get().start();
    },

    async resumeIfInterrupted() {
      try {
        const db = await deps.db();
        const runs = (await listRuns(db)).filter((r) => r.status === 'running');
        const held = new Set<string>();
        const query = await deps.locks()?.query?.();
        for (const lock of query?.held ?? []) if (lock.name) held.add(lock.name);
        const mine = ACTIVE_PHASES.includes(get().phase) ? get().runId : null;
        const interrupted = runs.filter((r) => r.id !== mine && !held.has(LOCK_PREFIX + r.id));
        set({ interrupted });
        // How far each got: the cases stored of those its last start set out to compute.
        const dataset = deps.dataset();
        const present = new Set(await listImageIds(db));
        const progress: Record<string, { done: number; total: number }> = {};
        for (const run of interrupted) {
          if (!dataset || dataset.hash !== run.datasetHash) continue;
          const selection = startedWithOf(run)?.selection ?? ALL_PAIRS;
          const stored = await getCasesForRun(db, run.id);
          const plan = planRun({
            identity: {
              runId: run.id,
              methods: run.methods as Method[],
              promptHashes: run.promptHashes,
              imageCondition: run.imageCondition ?? 'real',
            },
            pairs: selectPairs(dataset.pairs, selection).pairs,
            presentImageIds: present,
            storedKeys: new Set(stored.map((c) => c.key)),
          });
          progress[run.id] = { done: plan.alreadyDone, total: plan.total };
        }
        set({ interruptedProgress: progress });
        const latest = [...interrupted].sort((a, b) => b.updatedAt - a.updatedAt)[0];
        if (latest) restoreForm(latest);
      } catch {
        set({ interrupted: [], interruptedProgress: {} });
      }
    },

    async resumeInterrupted(runId) {
      const run = get().interrupted.find((r) => r.id === runId);
      if (!run) return;
      const blindRun = run.imageCondition === 'blank';
      restoreSettings(run);
      set({ error: null, ...(blindRun ? { blind: true } : {}) });
      const matches = () => {
        const chosen = configuration();
        if (!chosen.ok) return false;
        const identity = blindRun ? blindIdentity(chosen.identity) : chosen.identity;
        return identity?.runId === runId;
      };
      if (!matches()) {
        if (run.model.sourceKind !== 'hub') {
          set({
            error: problem(
              'Load the same model first',
              `This run used the local folder "${run.model.modelId}" (${run.dtype}, ${run.device}). Pick ` +
                'that folder again, load it with the same device and dtype, then press Resume.',
            ),
          });
          return;
        }
        const models = deps.models.getState();
        models.setHubId(run.model.modelId);
        models.setRevision(run.model.revision);
        models.setDevice(run.device);
        models.setDtypeLabel(run.dtype);
        if (!(await deps.models.getState().load())) return;
        if (!matches()) {
          set({
            error: problem(
              'The loaded model differs from the run',
              `The model loaded as ${deps.models.getState().model?.info.device ?? '?'} / ` +
                `${deps.models.getState().model?.info.dtype ?? '?'}, so it would be a different run.`,
            ),
          });
          return;
        }
      }
      await get().start();
    },
  };
}
