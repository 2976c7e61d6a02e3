// The run store's recovery actions: retry on wasm after a lost GPU, find the runs a closed or
// crashed tab left "running" (never restarted by themselves), and resume one of them with the
// model and settings it was started with (methods, blind baseline, preprocessing, GD letter rule).
import { preprocessingOf } from '../core/results/runCard.ts';
import { blindIdentity, type RunIdentity } from '../core/run/identity.ts';
import { DEFAULT_LETTER_RULE } from '../core/run/letterRules.ts';
import { METHODS } from '../core/types.ts';
import { listRuns } from '../db/database.ts';
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
  return {
    async retryOnWasm() {
      const models = deps.models.getState();
      models.setDevice('wasm');
      set({ error: null, canRetryOnWasm: false });
      if (await deps.models.getState().load()) await get().start();
    },

    async resumeIfInterrupted() {
      try {
        const runs = (await listRuns(await deps.db())).filter((r) => r.status === 'running');
        const held = new Set<string>();
        const query = await deps.locks()?.query?.();
        for (const lock of query?.held ?? []) if (lock.name) held.add(lock.name);
        const mine = ACTIVE_PHASES.includes(get().phase) ? get().runId : null;
        set({ interrupted: runs.filter((r) => r.id !== mine && !held.has(LOCK_PREFIX + r.id)) });
      } catch {
        set({ interrupted: [] });
      }
    },

    async resumeInterrupted(runId) {
      const run = get().interrupted.find((r) => r.id === runId);
      if (!run) return;
      const methods = { GD: false, PS: false, MC: false, FF: false };
      for (const m of METHODS) methods[m] = run.methods.includes(m);
      const blindRun = run.imageCondition === 'blank';
      const preprocessing = preprocessingOf(run)?.choice ?? 'default';
      set({
        methods,
        preprocessing,
        error: null,
        letterRule: run.letterRule ?? DEFAULT_LETTER_RULE,
        ...(blindRun ? { blind: true } : {}),
      });
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
