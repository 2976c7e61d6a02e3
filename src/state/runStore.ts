// The evaluation run lifecycle: which methods to run, the run's identity, planning which cases are
// still to compute (pairs whose two images are present, minus cases already stored), one tab at a
// time per run (Web Locks) with progress shared to other tabs (BroadcastChannel), start / pause /
// resume / cancel, and recovery: a lost GPU restarts the worker and offers wasm, a full disk is
// explained, and a run a closed tab left "running" is offered for resuming (never auto-started).
// The worker stores every finished case itself, so whatever the store knows is also on disk.
import * as Comlink from 'comlink';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { familyById } from '../core/modelFamilies.ts';
import {
  blindIdentity,
  runIdentity,
  RunSetupError,
  type FreeFormSetup,
  type RunIdentity,
  type RunSetup,
} from '../core/run/identity.ts';
import { METHOD_SPECS } from '../core/run/methods.ts';
import { planRun } from '../core/run/plan.ts';
import type { RunRecord } from '../core/run/records.ts';
import type { Device, Dtype, RunProgress, ScoringReport } from '../core/run/vocabulary.ts';
import { METHODS, type Dataset, type ImageSlot, type Method } from '../core/types.ts';
import {
  DEFAULT_DB_NAME,
  getCasesForRun,
  getRun,
  listImageIds,
  listRuns,
  putRun,
  requestPersistence,
  sharedDb,
  type BenchmarkDb,
} from '../db/database.ts';
import type { ImageProblem, RunCallbacks, RunOutcome, RunRequest } from '../../workers/engine/protocol.ts';
import { datasetStore } from './datasetStore.ts';
import {
  RateMeter,
  engineClient,
  etaSeconds,
  readableError,
  type EngineClient,
  type ReadableError,
} from './engineClient.ts';
import { imageStore } from './imageStore.ts';
import { modelStore, type ModelStore } from './modelStore.ts';
import { judgeStore, type JudgeStore } from './judgeStore.ts';

/** Methods the Run tab offers; FF needs a judge model (judgeStore) loaded beside the model. */
export const RUNNABLE_METHODS = METHODS;
export type RunnableMethod = Method;

export const LOCK_PREFIX = 'mediconfusion-run:';
export const PROGRESS_CHANNEL = 'mediconfusion-progress';

// ---------------------------------------------------------------------------------------------
// The app's run setup (pure): what the Run tab's choices mean as a core/run RunSetup

export interface AppRunChoice {
  dataset: Pick<Dataset, 'hash'>;
  model: { modelId: string; revision: string; dtype: Dtype; device: Device; family: string };
  methods: readonly Method[];
  /** The loaded judge and the FF settings, when one is loaded. */
  freeForm: FreeFormSetup | null;
}

export function appRunSetup(choice: AppRunChoice): RunSetup {
  return {
    datasetHash: choice.dataset.hash,
    modelId: choice.model.modelId,
    revision: choice.model.revision,
    dtype: choice.model.dtype,
    device: choice.model.device,
    family: familyById(choice.model.family),
    methods: choice.methods,
    freeForm: choice.freeForm,
  };
}

/** The scoring part of an engine outcome, as the run card keeps it. */
export function scoringReport(outcome: ScoringReport): ScoringReport {
  return {
    modeRequested: outcome.modeRequested,
    modeUsed: outcome.modeUsed,
    ...(outcome.modeReason ? { modeReason: outcome.modeReason } : {}),
    ...(outcome.cacheCheck ? { cacheCheck: outcome.cacheCheck } : {}),
  };
}

/** The run record's label: model, dtype, device (and the blank image for the blind baseline). */
function runLabel(identity: RunIdentity): string {
  const { modelId, dtype, device } = identity.key;
  return `${modelId} · ${dtype} · ${device}${identity.imageCondition === 'blank' ? ' · blank image' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// State

export type RunPhase =
  | 'idle'
  | 'starting'
  | 'running'
  | 'pausing'
  | 'cancelling'
  | 'paused'
  | 'complete'
  | 'cancelled'
  | 'failed'
  | 'locked';

export const ACTIVE_PHASES: readonly RunPhase[] = ['starting', 'running', 'pausing', 'cancelling'];

export interface RunProgressView {
  done: number;
  total: number;
  /** Epoch ms when this session of the run started (elapsed counts this session only). */
  startedAt: number;
  elapsedMs: number;
  casesPerSecond: number | null;
  etaSeconds: number | null;
  current: { pairId: string; slot: ImageSlot } | null;
}

/** What a running tab tells the others on PROGRESS_CHANNEL. */
export interface BroadcastProgress {
  type: 'progress';
  runId: string;
  label: string;
  status: RunPhase;
  done: number;
  total: number;
  etaSeconds: number | null;
  current: { pairId: string; slot: ImageSlot } | null;
  at: number;
}

/** The plan for the configuration now chosen, shown before a start (how much is already stored). */
export interface PlanPreview {
  runId: string;
  total: number;
  alreadyDone: number;
  notRunPairs: number;
  status: RunRecord['status'] | null;
}

export interface RunState {
  methods: Record<RunnableMethod, boolean>;
  /** Also run GD/PS with a blank image (the blind baseline), as a sibling run, before the main run. */
  blind: boolean;
  phase: RunPhase;
  runId: string | null;
  run: RunRecord | null;
  progress: RunProgressView | null;
  notRunPairs: { pairId: string; missing: string[] }[];
  imageProblems: ImageProblem[];
  error: ReadableError | null;
  /** After a lost GPU on a WebGPU run: offer the same evaluation on wasm. */
  canRetryOnWasm: boolean;
  /** Set when another tab holds this run's lock; progress as that tab last reported it. */
  lockedElsewhere: { runId: string; progress: BroadcastProgress | null } | null;
  /** Runs a closed or crashed tab left in status 'running'. */
  interrupted: RunRecord[];
  preview: PlanPreview | null;

  setMethod(method: RunnableMethod, on: boolean): void;
  setBlind(on: boolean): void;
  start(): Promise<void>;
  pause(): Promise<void>;
  /** Same as start: stored cases are skipped, so it continues where the run stopped. */
  resume(): Promise<void>;
  cancel(): Promise<void>;
  retryOnWasm(): Promise<void>;
  resumeIfInterrupted(): Promise<void>;
  resumeInterrupted(runId: string): Promise<void>;
  refreshPreview(): Promise<void>;
  dismissError(): void;
}

/** The part of navigator.locks the store uses (absent in Node and very old browsers). */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>;
  query?(): Promise<{ held?: { name?: string }[] }>;
}

export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface RunStoreDeps {
  db: () => Promise<BenchmarkDb>;
  dbName: string;
  engine: EngineClient;
  models: ModelStore;
  judge: JudgeStore;
  dataset: () => Dataset | null;
  locks: () => LockManagerLike | undefined;
  channel: () => ChannelLike | null;
  requestPersistence: () => Promise<boolean>;
  /** Called after images or results changed, so other views can refresh. */
  onStored: () => void;
  now: () => number;
}

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

function problem(title: string, message: string): ReadableError {
  return { kind: 'unknown', title, message };
}

export function createRunStore(overrides: Partial<RunStoreDeps> = {}): RunStore {
  const deps: RunStoreDeps = { ...browserDeps, ...overrides };
  /** What the user asked of the active run: it decides the status a cancelled engine run ends in. */
  let intent: 'pause' | 'cancel' | null = null;
  const remote = new Map<string, BroadcastProgress>();
  // Opened on the first start: an open channel keeps a Node process (tests, tools) alive.
  let channel: ChannelLike | null | undefined;

  return createStore<RunState>()((set, get) => {
    function openChannel(): ChannelLike | null {
      if (channel !== undefined) return channel;
      channel = deps.channel();
      channel?.addEventListener('message', (event) => {
        const data = event.data as Partial<BroadcastProgress> | null;
        if (!data || data.type !== 'progress' || typeof data.runId !== 'string') return;
        remote.set(data.runId, data as BroadcastProgress);
        const locked = get().lockedElsewhere;
        if (locked && locked.runId === data.runId) {
          set({ lockedElsewhere: { runId: locked.runId, progress: data as BroadcastProgress } });
        }
      });
      return channel;
    }

    function broadcast(run: RunRecord, status: RunPhase): void {
      const p = get().progress;
      const message: BroadcastProgress = {
        type: 'progress',
        runId: run.id,
        label: run.label,
        status,
        done: p?.done ?? 0,
        total: p?.total ?? 0,
        etaSeconds: p?.etaSeconds ?? null,
        current: p?.current ?? null,
        at: deps.now(),
      };
      try {
        channel?.postMessage(message);
      } catch {
        // A closed channel (page unloading) only loses a progress note.
      }
    }

    /** The loaded model, dataset and methods as a run identity, or the reason there is none. */
    function configuration(): { ok: true; identity: RunIdentity } | { ok: false; error: ReadableError } {
      const dataset = deps.dataset();
      if (!dataset) return { ok: false, error: problem('No dataset', 'The dataset is not loaded yet.') };
      const loaded = deps.models.getState().model;
      if (!loaded)
        return { ok: false, error: problem('No model loaded', 'Load a model first (section Model).') };
      const methods = RUNNABLE_METHODS.filter((m) => get().methods[m]);
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
          },
          methods,
          freeForm: judge.judge
            ? { judge: judge.judge.identity, maxNewTokens: judge.maxNewTokens, threshold: judge.threshold }
            : null,
        });
        return { ok: true, identity: runIdentity(setup) };
      } catch (e) {
        if (e instanceof RunSetupError) return { ok: false, error: problem('Cannot start', e.message) };
        throw e;
      }
    }

    async function persistStatus(run: RunRecord, status: RunRecord['status']): Promise<RunRecord> {
      const next = { ...run, status, updatedAt: deps.now() };
      try {
        await putRun(await deps.db(), next);
      } catch (e) {
        set({ error: readableError(e) });
      }
      return next;
    }

    async function execute(identity: RunIdentity): Promise<void> {
      const dataset = deps.dataset() as Dataset;
      const loaded = deps.models.getState().model!;
      const { runId, key, methods, promptHashes } = identity;
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
      try {
        // Long runs must survive storage pressure; a refusal only means the browser may evict.
        await deps.requestPersistence().catch(() => false);
        const db = await deps.db();
        const existing = await getRun(db, runId);
        const now = deps.now();
        const blank = identity.imageCondition === 'blank';
        run = {
          id: runId,
          label: runLabel(identity),
          datasetHash: dataset.hash,
          datasetName: dataset.name,
          model: {
            sourceKind: loaded.identity.sourceKind,
            modelId: key.modelId,
            revision: key.revision,
          },
          device: key.device,
          dtype: key.dtype,
          methods: METHODS.filter((m) => methods.includes(m) || (existing?.methods ?? []).includes(m)),
          promptHashes: { ...(existing?.promptHashes ?? {}), ...promptHashes },
          engineVersion: key.engineVersion,
          status: 'running',
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          runCard: {
            ...(existing?.runCard ?? {}),
            family: loaded.info.family,
            architecture: loaded.info.architecture,
            modelFiles: loaded.info.files,
            libraryVersions: loaded.info.libraryVersions,
            ...(loaded.info.fallbackReason ? { fallbackReason: loaded.info.fallbackReason } : {}),
            userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : 'unknown',
            ...(identity.blindOf ? { blindOf: identity.blindOf, imageCondition: 'blank' } : {}),
            ...(identity.freeForm ? { freeFormJudge: identity.freeForm } : {}),
          },
          imported: false,
          ...(blank ? { imageCondition: 'blank' as const } : {}),
        };
        await putRun(db, run);
        set({ run });

        const stored = await getCasesForRun(db, runId);
        const plan = planRun({
          identity,
          pairs: dataset.pairs,
          // The blank image replaces every image: the plan needs none.
          presentImageIds: new Set(blank ? [] : await listImageIds(db)),
          storedKeys: new Set(stored.map((c) => c.key)),
        });
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
        // The run card says how the cases were scored: a family's self-check may have fallen back.
        run = { ...run, runCard: { ...run.runCard, scoring: scoringReport(outcome) } };

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
        const error = readableError(e);
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
      methods: { GD: true, PS: false, MC: false, FF: false },
      blind: false,
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
      preview: null,

      setMethod(method, on) {
        set({ methods: { ...get().methods, [method]: on } });
      },

      setBlind(on) {
        set({ blind: on });
      },

      async start() {
        if (ACTIVE_PHASES.includes(get().phase)) return;
        const chosen = configuration();
        if (!chosen.ok) {
          set({ error: chosen.error });
          return;
        }
        openChannel();
        // The blind sibling runs first, so "Complete" at the end means both runs are done and the
        // store ends on the main run.
        const main = chosen.identity;
        const blind = get().blind ? blindIdentity(main) : null;
        const executeAll = async () => {
          if (blind) {
            await execute(blind);
            if (get().phase !== 'complete') return;
          }
          await execute(main);
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
              lockedElsewhere: { runId: main.runId, progress: remote.get(main.runId) ?? null },
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
        for (const m of RUNNABLE_METHODS) methods[m] = run.methods.includes(m);
        const blindRun = run.imageCondition === 'blank';
        set({ methods, error: null, ...(blindRun ? { blind: true } : {}) });
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
          models.setDtype(run.dtype);
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

      async refreshPreview() {
        const chosen = configuration();
        const dataset = deps.dataset();
        if (!chosen.ok || !dataset) {
          set({ preview: null });
          return;
        }
        const { identity } = chosen;
        try {
          const db = await deps.db();
          const [record, stored, present] = await Promise.all([
            getRun(db, identity.runId),
            getCasesForRun(db, identity.runId),
            listImageIds(db),
          ]);
          const plan = planRun({
            identity,
            pairs: dataset.pairs,
            presentImageIds: new Set(present),
            storedKeys: new Set(stored.map((c) => c.key)),
          });
          set({
            preview: {
              runId: identity.runId,
              total: plan.total,
              alreadyDone: plan.alreadyDone,
              notRunPairs: plan.notRunPairs.length,
              status: record?.status ?? null,
            },
          });
        } catch {
          set({ preview: null });
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
