// The model side of the Run tab: what the browser offers (WebGPU, shader-f16), which model to load
// (a catalog entry, any hub repo id + revision, or a folder the user picked), device and dtype,
// loading it in the worker with byte/file progress and an ETA, the loaded model's card, and the
// model files transformers.js keeps in Cache Storage.
//
// Test hooks read from the page URL (documented here because tests rely on them):
//   ?hub=<url>     hub mirror to download from (ModelSource remoteHost), e.g. a local fixture server
//   ?dtype=<dtype> default dtype instead of the one derived from the device
//   ?device=wasm|webgpu  default device instead of "WebGPU when available"
import * as Comlink from 'comlink';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { catalogEntry } from '../core/modelCatalog.ts';
import {
  defaultDtype,
  dtypeForFolder,
  dtypeUsable,
  modelFolderFromFiles,
  pageOverrides,
  type PickedFile,
  type PickedFolder,
} from '../core/modelFiles.ts';
import { ALL_DTYPES, type Device, type Dtype } from '../core/run/vocabulary.ts';
import { readModelCache, type CacheInfo } from './modelCache.ts';
import {
  IMAGE_TEXT_MODEL_FILES,
  parseDtypeChoice,
  withFileDtypes,
  type ImageTextModelFile,
} from '../core/run/dtypes.ts';
import type {
  EnvironmentReport,
  LoadedModelInfo,
  LoadOptions,
  LoadProgress,
} from '../../workers/engine/protocol.ts';
import {
  RateMeter,
  engineClient,
  etaSeconds,
  readableError,
  type EngineClient,
  type ReadableError,
} from './engineClient.ts';
import { MODEL_CACHE_NAME } from '../sw/policy.ts';
import { resolveModelChoice, type ModelIdentity } from './modelChoice.ts';
import { offlineStore } from './offlineStore.ts';

export { ALL_DTYPES };
export { BROWSER_DEVICES } from '../core/modelFiles.ts';
export const DEFAULT_HUB_ID = 'HuggingFaceTB/SmolVLM-256M-Instruct';

export {
  defaultDtype,
  dtypeUsable,
  folderDtypes,
  modelFolderFromFiles,
  pageOverrides,
  type PageOverrides,
  type PickedFile,
  type PickedFolder,
} from '../core/modelFiles.ts';

// ---------------------------------------------------------------------------------------------
// State

export type ModelSourceChoice = 'hub' | 'folder';
export type ModelStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface LoadProgressView {
  phase: LoadProgress['phase'];
  message: string;
  loaded: number;
  total: number;
  files: { name: string; loaded: number; total: number }[];
  filesDone: number;
  filesTotal: number;
  bytesPerSecond: number | null;
  etaSeconds: number | null;
}

export { resolveModelChoice, type ModelChoice, type ModelIdentity } from './modelChoice.ts';

export interface LoadedModelView {
  info: LoadedModelInfo;
  identity: ModelIdentity;
  loadMs: number;
}

export interface ModelState {
  environment: EnvironmentReport | null;
  environmentError: string | null;
  source: ModelSourceChoice;
  hubId: string;
  revision: string;
  hubHost: string | null;
  folder: PickedFolder | null;
  device: Device;
  dtype: Dtype;
  /** Files given a dtype of their own (real repos mix them); the others take `dtype`. */
  fileDtypes: Partial<Record<ImageTextModelFile, Dtype>>;
  /** True once the user chose a device/dtype; until then both follow the environment's defaults. */
  deviceChosen: boolean;
  dtypeChosen: boolean;
  status: ModelStatus;
  progress: LoadProgressView | null;
  model: LoadedModelView | null;
  error: ReadableError | null;
  /** Why a loaded model went away (GPU device lost); cleared by the next load. */
  notice: string | null;
  cache: CacheInfo | null;
  cacheStatus: 'unknown' | 'reading' | 'ready' | 'unavailable' | 'error';

  probeEnvironment(): Promise<void>;
  chooseHubModel(repoId: string): void;
  setHubId(repoId: string): void;
  setRevision(revision: string): void;
  pickFolder(files: readonly PickedFile[]): void;
  /** Switches back to the folder picked before (after choosing a hub model meanwhile). */
  selectFolderSource(): void;
  setDevice(device: Device): void;
  setDtype(dtype: Dtype): void;
  /** Gives one ONNX file its own dtype, or (null) back the common one. */
  setFileDtype(file: ImageTextModelFile, dtype: Dtype | null): void;
  /** Sets the dtype from a stored run's label ("q8" or "file=dtype,…"). */
  setDtypeLabel(label: string): void;
  /** Loads the chosen model; resolves true when it is ready. */
  load(): Promise<boolean>;
  /** Forgets the loaded model (the worker was restarted); `why` is shown to the user. */
  unload(why: string): void;
  refreshCache(): Promise<void>;
  clearCache(): Promise<void>;
  dismissError(): void;
}

export interface ModelStoreDeps {
  engine: EngineClient;
  caches: () => CacheStorage | undefined;
  search: () => string;
  now: () => number;
  /** Offline mode: hub models then come only from the browser's cache, never the network. */
  offline: () => boolean;
}

export type ModelStore = StoreApi<ModelState>;

const browserDeps: ModelStoreDeps = {
  engine: engineClient,
  caches: () => (typeof caches !== 'undefined' ? caches : undefined),
  search: () => (typeof location !== 'undefined' ? location.search : ''),
  now: () => performance.now(),
  offline: () => offlineStore.getState().offline,
};

export function createModelStore(overrides: Partial<ModelStoreDeps> = {}): ModelStore {
  const deps: ModelStoreDeps = { ...browserDeps, ...overrides };
  const page = pageOverrides(deps.search());
  const initialDevice: Device = page.device ?? 'wasm';
  let environmentProbe: Promise<void> | null = null;
  let loadTicket = 0;

  return createStore<ModelState>()((set, get) => {
    /** Recomputes device/dtype defaults for what the user has not chosen explicitly. */
    function applyDefaults(patch: Partial<ModelState> = {}): Partial<ModelState> {
      const next = { ...get(), ...patch };
      const webgpu = next.environment?.webgpu.available ?? false;
      const device: Device = next.deviceChosen ? next.device : (page.device ?? (webgpu ? 'webgpu' : 'wasm'));
      const f16 = next.environment?.webgpu.shaderF16 ?? false;
      const preferred = next.dtypeChosen ? next.dtype : (page.dtype ?? defaultDtype(device, f16));
      const dtype = next.dtypeChosen
        ? preferred
        : dtypeForFolder(device, f16, preferred, next.source === 'folder' ? next.folder : null);
      return { ...patch, device, dtype };
    }

    return {
      environment: null,
      environmentError: null,
      source: 'hub',
      hubId: DEFAULT_HUB_ID,
      revision: 'main',
      hubHost: page.hubHost,
      folder: null,
      device: initialDevice,
      dtype: page.dtype ?? defaultDtype(initialDevice, false),
      fileDtypes: {},
      deviceChosen: false,
      dtypeChosen: false,
      status: 'idle',
      progress: null,
      model: null,
      error: null,
      notice: null,
      cache: null,
      cacheStatus: 'unknown',

      probeEnvironment() {
        environmentProbe ??= (async () => {
          try {
            const environment = await deps.engine.guard(deps.engine.api().environment());
            set(applyDefaults({ environment, environmentError: null }));
          } catch (e) {
            environmentProbe = null; // allow a retry
            set({ environmentError: readableError(e).message });
          }
        })();
        return environmentProbe;
      },

      chooseHubModel(repoId) {
        const entry = catalogEntry(repoId);
        set(
          applyDefaults({
            source: 'hub',
            hubId: repoId,
            revision: entry ? 'main' : get().revision,
            error: null,
          }),
        );
      },

      setHubId(repoId) {
        set(applyDefaults({ source: 'hub', hubId: repoId.trim() }));
      },

      setRevision(revision) {
        set({ source: 'hub', revision: revision.trim() });
      },

      pickFolder(files) {
        if (files.length === 0) return;
        const folder = modelFolderFromFiles(files);
        // A dtype chosen earlier that this folder lacks would only fail later; fall back to the default.
        const keep = folder.dtypes.length === 0 || folder.dtypes.includes(get().dtype);
        set(applyDefaults({ source: 'folder', folder, error: null, dtypeChosen: get().dtypeChosen && keep }));
      },

      selectFolderSource() {
        if (get().folder) set(applyDefaults({ source: 'folder', error: null }));
      },

      setDevice(device) {
        set(applyDefaults({ device, deviceChosen: true }));
      },

      setDtype(dtype) {
        set({ dtype, dtypeChosen: true });
      },

      setFileDtype(file, dtype) {
        const fileDtypes = { ...get().fileDtypes };
        if (dtype === null) delete fileDtypes[file];
        else fileDtypes[file] = dtype;
        set({ fileDtypes });
      },

      setDtypeLabel(label) {
        const choice = parseDtypeChoice(label);
        if (typeof choice === 'string') {
          set({ dtype: choice, fileDtypes: {}, dtypeChosen: true });
          return;
        }
        const fileDtypes: Partial<Record<ImageTextModelFile, Dtype>> = {};
        for (const f of IMAGE_TEXT_MODEL_FILES) if (choice[f]) fileDtypes[f] = choice[f];
        set({ dtype: choice.decoder_model_merged ?? get().dtype, fileDtypes, dtypeChosen: true });
      },

      async load() {
        const state = get();
        if (state.status === 'loading') return false;
        const ticket = ++loadTicket;
        const resolved = resolveModelChoice(state, state.hubHost);
        if ('error' in resolved) {
          set({ status: 'error', error: readableError({ kind: 'missing-files', message: resolved.error }) });
          return false;
        }
        const { source, identity } = resolved;
        const opts: LoadOptions = {
          source,
          device: state.device,
          dtype: withFileDtypes(state.dtype, state.fileDtypes),
          // Until the user picks one, a dtype the repo declares (transformers.js_config) wins.
          dtypeIsDefault:
            !state.dtypeChosen && page.dtype === null && Object.keys(state.fileDtypes).length === 0,
          fallbackToWasm: true,
          useBrowserCache: true,
          offline: deps.offline(),
        };

        const started = deps.now();
        const meter = new RateMeter(10_000);
        let lastSet = 0;
        set({
          status: 'loading',
          error: null,
          notice: null,
          model: null,
          progress: {
            phase: 'checking',
            message: 'Starting…',
            loaded: 0,
            total: 0,
            files: [],
            filesDone: 0,
            filesTotal: 0,
            bytesPerSecond: null,
            etaSeconds: null,
          },
        });
        const onProgress = (p: LoadProgress) => {
          if (ticket !== loadTicket) return;
          const previous = get().progress;
          const now = deps.now();
          if (p.phase === 'download') {
            meter.add(now, p.loaded);
            // Byte progress arrives many times a second; re-render at most ten times a second.
            if (now - lastSet < 100 && p.loaded < p.total) return;
            lastSet = now;
            const rate = meter.rate();
            set({
              progress: {
                phase: 'download',
                message: `Loading ${p.file}`,
                loaded: p.loaded,
                total: p.total,
                files: Object.entries(p.files).map(([name, f]) => ({ name, ...f })),
                filesDone: p.filesDone,
                filesTotal: p.filesTotal,
                bytesPerSecond: rate,
                etaSeconds: etaSeconds(p.total - p.loaded, rate),
              },
            });
            return;
          }
          const base: LoadProgressView = previous ?? {
            phase: p.phase,
            message: '',
            loaded: 0,
            total: 0,
            files: [],
            filesDone: 0,
            filesTotal: 0,
            bytesPerSecond: null,
            etaSeconds: null,
          };
          set({
            progress: {
              ...base,
              phase: p.phase,
              message: p.phase === 'ready' ? 'Ready' : p.message,
              etaSeconds: p.phase === 'ready' ? 0 : base.etaSeconds,
            },
          });
        };

        try {
          const api = deps.engine.api();
          const info = await deps.engine.guard(api.load(opts, Comlink.proxy(onProgress)));
          if (ticket !== loadTicket) return false;
          set({
            status: 'ready',
            model: { info, identity, loadMs: deps.now() - started },
            progress: get().progress ? { ...(get().progress as LoadProgressView), phase: 'ready' } : null,
          });
          if (source.kind === 'hub') void get().refreshCache();
          return true;
        } catch (e) {
          if (ticket !== loadTicket) return false;
          const error = readableError(e);
          // A dead worker holds no model; start a fresh one for the next attempt.
          if (error.kind === 'worker-crashed' || error.kind === 'device-lost') deps.engine.restart();
          set({ status: 'error', error, model: null });
          return false;
        }
      },

      unload(why) {
        ++loadTicket;
        set({ status: 'idle', model: null, progress: null, notice: why });
      },

      async refreshCache() {
        const storage = deps.caches();
        if (!storage) {
          set({ cacheStatus: 'unavailable', cache: null });
          return;
        }
        set({ cacheStatus: 'reading' });
        try {
          set({ cache: await readModelCache(storage), cacheStatus: 'ready' });
        } catch {
          set({ cacheStatus: 'error' });
        }
      },

      async clearCache() {
        const storage = deps.caches();
        if (!storage) return;
        try {
          await storage.delete(MODEL_CACHE_NAME);
        } catch (e) {
          set({ error: readableError(e) });
        }
        await get().refreshCache();
      },

      dismissError() {
        set({ error: null, notice: null, status: get().model ? 'ready' : 'idle' });
      },
    };
  });
}

/** The app's model store. */
export const modelStore: ModelStore = createModelStore();

export function useModelStore<T>(selector: (state: ModelState) => T): T {
  return useStore(modelStore, selector);
}

/** Whether a dtype can be chosen now: usable on the device, and present in a picked folder. */
export function dtypeOffered(
  state: Pick<ModelState, 'source' | 'folder' | 'device' | 'environment'>,
  dtype: Dtype,
): boolean {
  if (!dtypeUsable(dtype, state.device, state.environment?.webgpu.shaderF16 ?? false)) return false;
  if (state.source === 'folder' && state.folder && state.folder.dtypes.length > 0) {
    return state.folder.dtypes.includes(dtype);
  }
  return true;
}
