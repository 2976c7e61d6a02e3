// The evaluation run lifecycle: which methods to run, the run's identity, planning which cases are
// still to compute (pairs whose two images are present, minus cases already stored), one tab at a
// time per run (Web Locks) with progress shared to other tabs (BroadcastChannel), start / pause /
// resume / cancel, and recovery: a lost GPU restarts the worker and offers wasm, a full disk is
// explained, and a run a closed tab left "running" is offered for resuming (never auto-started).
// The worker stores every finished case itself, so whatever the store knows is also on disk.
import * as Comlink from 'comlink';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { blindIdentity, type RunIdentity } from '../core/run/identity.ts';
import { DEFAULT_LETTER_RULE } from '../core/run/letterRules.ts';
import { planRun, type ImageGroup } from '../core/run/plan.ts';
import type { RunRecord } from '../core/run/records.ts';
import type { RunProgress } from '../core/run/vocabulary.ts';
import { METHODS, type Dataset } from '../core/types.ts';
import {
  DEFAULT_DB_NAME,
  getCasesForRun,
  getRun,
  listImageIds,
  putRun,
  requestPersistence,
  sharedDb,
} from '../db/database.ts';
import type { ImageProblem, RunCallbacks, RunOutcome, RunRequest } from '../../workers/engine/protocol.ts';
import { datasetStore } from './datasetStore.ts';
import { RateMeter, engineClient, etaSeconds, readableError } from './engineClient.ts';
import { imageStore } from './imageStore.ts';
import { modelStore } from './modelStore.ts';
import { judgeStore } from './judgeStore.ts';
import { explainOutOfMemory, newRunRecord, runCardAfterRun, type StartedWith } from './runRecord.ts';
import {
  ACTIVE_PHASES,
  LOCK_PREFIX,
  PROGRESS_CHANNEL,
  ProgressChannel,
  type LockManagerLike,
  type RunPhase,
} from './runTabs.ts';

import { recoveryActions } from './runRecovery.ts';
import {
  chosenPairs,
  currentPlan,
  nothingToRun,
  planningActions,
  problem,
  runConfiguration,
} from './runPlanning.ts';

export { problem };
import { ALL_PAIRS } from '../core/run/selection.ts';

type ChosenPairs = NonNullable<ReturnType<typeof chosenPairs>>;
import type { RunState, RunStoreDeps } from './runState.ts';

export { ACTIVE_PHASES, type LockManagerLike, type RunPhase };
export type { RunnableMethod, RunProgressView, RunState, RunStoreDeps } from './runState.ts';

/** Methods the Run tab offers; FF needs a judge model (judgeStore) loaded beside the model. */
export const RUNNABLE_METHODS = METHODS;

// ---------------------------------------------------------------------------------------------
// State

export type RunStore = StoreApi<RunState>;

const browserDeps: RunStoreDeps = {
  db: sharedDb,
  dbName: DEFAULT_DB_NAME,
  engine: engineClient,
  models: modelStore,
  judge: judgeStore,
  dataset: () => datasetStore.getState().dataset,
  locks: () =>
    typeof navigator !== 'undefined' ? (navigator.locks as LockManagerLike | undefined) : undefined,
  channel: () => (typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(PROGRESS_CHANNEL) : null),
  requestPersistence: () => requestPersistence(),
  onStored: () => void imageStore.getState().refresh(),
  now: () => Date.now(),
};

export function createRunStore(overrides: Partial<RunStoreDeps> = {}): RunStore {
  const deps: RunStoreDeps = { ...browserDeps, ...overrides };
  /** What the user asked of the active run: it decides the status a cancelled engine run ends in. */
  let intent: 'pause' | 'cancel' | null = null;

  return createStore<RunState>()((set, get) => {
    const tabs = new ProgressChannel(deps.channel, deps.now, (runId, progress) => {
      const locked = get().lockedElsewhere;
      if (locked && locked.runId === runId) set({ lockedElsewhere: { runId, progress } });
    });
    const broadcast = (run: RunRecord, status: RunPhase) => tabs.post(run, status, get().progress);

    const configuration = () => runConfiguration(deps, get);

    async function persistStatus(run: RunRecord, status: RunRecord['status']): Promise<RunRecord> {
      const next = { ...run, status, updatedAt: deps.now() };
      try {
        await putRun(await deps.db(), next);
      } catch (e) {
        set({ error: readableError(e) });
      }
      return next;
    }

    async function execute(
      identity: RunIdentity,
      part: ChosenPairs,
      startedWith: StartedWith,
    ): Promise<void> {
      const dataset = deps.dataset() as Dataset;
      const loaded = deps.models.getState().model!;
      const { runId, key, promptHashes } = identity;
      intent = null;
      set({
        phase: 'starting',
        runId,
        error: null,
        canRetryOnWasm: false,
        lockedElsewhere: null,
        imageProblems: [],
        interrupted: get().interrupted.filter((r) => r.id !== runId),
      });

      let run: RunRecord | null = null;
      // What this session computes, and how many of its cases are done (for an out-of-memory error).
      let planned: ImageGroup[] | null = null;
      let doneThisSession = 0;
      try {
        // Long runs must survive storage pressure; a refusal only means the browser may evict.
        await deps.requestPersistence().catch(() => false);
        const db = await deps.db();
        const existing = await getRun(db, runId);
        const now = deps.now();
        const blank = identity.imageCondition === 'blank';
        run = newRunRecord(identity, dataset, loaded, existing, now, {
          pairSelection: part.description,
          startedWith,
        });
        await putRun(db, run);
        set({ run });

        const stored = await getCasesForRun(db, runId);
        const plan = planRun({
          identity,
          pairs: part.pairs,
          // The blank image replaces every image: the plan needs none.
          presentImageIds: new Set(blank ? [] : await listImageIds(db)),
          storedKeys: new Set(stored.map((c) => c.key)),
        });
        planned = plan.images;
        const startedAt = deps.now();
        set({
          notRunPairs: plan.notRunPairs,
          progress: {
            done: plan.alreadyDone,
            total: plan.total,
            startedAt,
            elapsedMs: 0,
            casesPerSecond: null,
            etaSeconds: plan.pending === 0 ? 0 : null,
            current: null,
          },
        });

        if (plan.pending === 0 || intent !== null) {
          const status = intent === 'cancel' ? 'cancelled' : intent === 'pause' ? 'paused' : 'complete';
          run = await persistStatus(run, status);
          set({ run, phase: status });
          broadcast(run, status);
          return;
        }

        set({ phase: 'running' });
        broadcast(run, 'running');
        const meter = new RateMeter(30_000);
        const runRecord = run;
        const callbacks: RunCallbacks = {
          onProgress: (p: RunProgress) => {
            const now = deps.now();
            meter.add(now, p.done);
            doneThisSession = p.done;
            const rate = meter.rate() ?? (p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : null);
            const done = plan.alreadyDone + p.done;
            set({
              progress: {
                done,
                total: plan.total,
                startedAt,
                elapsedMs: now - startedAt,
                casesPerSecond: rate,
                etaSeconds: etaSeconds(plan.total - done, rate),
                current: { pairId: p.pairId, slot: p.slot },
              },
            });
            broadcast(runRecord, get().phase);
          },
          onImageProblem: (p: ImageProblem) => set({ imageProblems: [...get().imageProblems, p] }),
          // Required by the proxy: the worker calls it for every record (already stored by then).
          onRecord: () => undefined,
        };
        const request: RunRequest = {
          pairs: plan.runnablePairs,
          plan: plan.images,
          mode: 'cached',
          imageCondition: identity.imageCondition,
          ...(identity.preprocessing && identity.preprocessing.choice !== 'default'
            ? { preprocessing: identity.preprocessing.choice }
            : {}),
          letterRule: identity.letterRule,
          ...(identity.freeForm
            ? {
                freeForm: {
                  maxNewTokens: identity.freeForm.maxNewTokens,
                  threshold: identity.freeForm.threshold,
                },
              }
            : {}),
          images: { kind: 'indexeddb', dbName: deps.dbName },
          persist: { dbName: deps.dbName, runId, promptHashes },
        };
        const api = deps.engine.api();
        const outcome: RunOutcome = await deps.engine.guard(api.run(request, Comlink.proxy(callbacks)));
        // The run card says how the cases were scored (a family's self-check may have fallen back),
        // with which image preprocessing, and how many views and image tokens each image became.
        run = { ...run, runCard: runCardAfterRun(run.runCard, outcome) };

        if (outcome.cancelled && intent === null) {
          // The worker stops on its own only when its GPU device was lost.
          throw {
            kind: key.device === 'webgpu' ? 'device-lost' : 'internal',
            message: 'The engine stopped the run by itself (the GPU device was probably lost).',
          };
        }
        const status = !outcome.cancelled ? 'complete' : intent === 'cancel' ? 'cancelled' : 'paused';
        const progress = get().progress;
        if (progress)
          set({
            progress: {
              ...progress,
              elapsedMs: deps.now() - startedAt,
              etaSeconds: status === 'complete' ? 0 : null,
            },
          });
        run = await persistStatus(run, status);
        set({ run, phase: status });
        broadcast(run, status);
      } catch (e) {
        const error = explainOutOfMemory(readableError(e), dataset, planned, doneThisSession);
        const lostEngine = error.kind === 'device-lost' || error.kind === 'worker-crashed';
        if (lostEngine) {
          // Recovery needs a fresh worker; its model is gone with the old one.
          deps.engine.restart();
          deps.models.getState().unload(`${error.title}: the model was unloaded. Load it again to continue.`);
          deps.judge.getState().unload();
        }
        if (run) {
          run = await persistStatus(run, 'failed');
          broadcast(run, 'failed');
        }
        set({
          run,
          phase: 'failed',
          error,
          canRetryOnWasm: lostEngine && key.device === 'webgpu',
        });
      } finally {
        intent = null;
        deps.onStored();
      }
    }

    return {
      ...recoveryActions({ deps, get, set, configuration, problem }),
      ...planningActions({ deps, get, set, configuration }),
      methods: { GD: true, PS: false, MC: false, FF: false },
      selection: ALL_PAIRS,
      blind: false,
      preprocessing: 'default',
      letterRule: DEFAULT_LETTER_RULE,
      phase: 'idle',
      runId: null,
      run: null,
      progress: null,
      notRunPairs: [],
      imageProblems: [],
      error: null,
      canRetryOnWasm: false,
      lockedElsewhere: null,
      interrupted: [],
      interruptedProgress: {},
      preview: null,

      setMethod(method, on) {
        set({ methods: { ...get().methods, [method]: on } });
      },

      setBlind(on) {
        set({ blind: on });
      },

      setPreprocessing(choice) {
        set({ preprocessing: choice });
      },

      setLetterRule(rule) {
        set({ letterRule: rule });
      },

      async start() {
        if (ACTIVE_PHASES.includes(get().phase)) return;
        const chosen = configuration();
        if (!chosen.ok) {
          set({ error: chosen.error });
          return;
        }
        const part = chosenPairs(deps, get);
        if (!part) return;
        const blocked = nothingToRun(
          (await currentPlan(deps, chosen.identity, part.pairs)).plan,
          part.pairs.length,
        );
        if (blocked) {
          set({ error: blocked });
          return;
        }
        tabs.open();
        // The blind sibling runs first, so "Complete" at the end means both runs are done and the
        // store ends on the main run.
        const main = chosen.identity;
        const blind = get().blind ? blindIdentity(main) : null;
        const executeAll = async () => {
          const startedWith = { methods: main.methods, blind: get().blind, selection: get().selection };
          if (blind) {
            await execute(blind, part, startedWith);
            if (get().phase !== 'complete') return;
          }
          await execute(main, part, startedWith);
        };
        const locks = deps.locks();
        if (!locks) {
          await executeAll();
          return;
        }
        // Held for the whole run: another tab asking for the same run gets null and refuses.
        await locks.request(LOCK_PREFIX + main.runId, { ifAvailable: true }, async (lock) => {
          if (!lock) {
            set({
              phase: 'locked',
              runId: main.runId,
              lockedElsewhere: { runId: main.runId, progress: tabs.latest(main.runId) },
              error: null,
            });
            return;
          }
          await executeAll();
        });
      },

      async pause() {
        const phase = get().phase;
        if (phase !== 'running' && phase !== 'starting') return;
        intent = 'pause';
        set({ phase: 'pausing' });
        if (deps.engine.started) await deps.engine.api().cancel();
      },

      resume() {
        return get().start();
      },

      async cancel() {
        const phase = get().phase;
        if (phase === 'running' || phase === 'starting' || phase === 'pausing') {
          intent = 'cancel';
          set({ phase: 'cancelling' });
          if (deps.engine.started) await deps.engine.api().cancel();
          return;
        }
        const run = get().run;
        if (run && (phase === 'paused' || phase === 'failed')) {
          const next = await persistStatus(run, 'cancelled');
          set({ run: next, phase: 'cancelled', canRetryOnWasm: false });
          broadcast(next, 'cancelled');
        }
      },

      dismissError() {
        set({ error: null, ...(get().phase === 'locked' ? { phase: 'idle', lockedElsewhere: null } : {}) });
      },
    };
  });
}

/** The app's run store. */
export const runStore: RunStore = createRunStore();

export function useRunStore<T>(selector: (state: RunState) => T): T {
  return useStore(runStore, selector);
}
