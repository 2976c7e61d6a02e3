// The FF judge of the Run tab: a text-only instruct model (a curated entry, any hub repo id, or a
// local folder) loaded in the worker beside the image-text model, plus the FF settings (answer
// length, judge threshold). Device and dtype follow the model section's choice.
import * as Comlink from 'comlink';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { DEFAULT_FF_MAX_NEW_TOKENS, DEFAULT_FF_THRESHOLD } from '../core/run/methods.ts';
import type { JudgeIdentity } from '../core/run/identity.ts';
import type { JudgeInfo } from '../../workers/engine/protocol.ts';
import type { LoadOptions, LoadProgress } from '../../workers/engine/protocol.ts';
import { engineClient, readableError, type EngineClient, type ReadableError } from './engineClient.ts';
import {
  modelFolderFromFiles,
  modelStore,
  resolveModelChoice,
  type ModelStore,
  type PickedFile,
  type PickedFolder,
} from './modelStore.ts';
import { offlineStore } from './offlineStore.ts';

export type JudgeStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface JudgeState {
  source: 'hub' | 'folder';
  hubId: string;
  revision: string;
  folder: PickedFolder | null;
  status: JudgeStatus;
  message: string;
  judge: { info: JudgeInfo; identity: JudgeIdentity } | null;
  error: ReadableError | null;
  maxNewTokens: number;
  threshold: number;

  setHubId(repoId: string): void;
  pickFolder(files: readonly PickedFile[]): void;
  setMaxNewTokens(n: number): void;
  setThreshold(n: number): void;
  load(): Promise<boolean>;
  unload(): void;
}

export interface JudgeStoreDeps {
  engine: EngineClient;
  models: ModelStore;
  offline: () => boolean;
}

export type JudgeStore = StoreApi<JudgeState>;

export function createJudgeStore(overrides: Partial<JudgeStoreDeps> = {}): JudgeStore {
  const deps: JudgeStoreDeps = {
    engine: engineClient,
    models: modelStore,
    offline: () => offlineStore.getState().offline,
    ...overrides,
  };
  let ticket = 0;
  return createStore<JudgeState>()((set, get) => ({
    source: 'hub',
    hubId: '',
    revision: 'main',
    folder: null,
    status: 'idle',
    message: '',
    judge: null,
    error: null,
    maxNewTokens: DEFAULT_FF_MAX_NEW_TOKENS,
    threshold: DEFAULT_FF_THRESHOLD,

    setHubId(repoId) {
      set({ source: 'hub', hubId: repoId.trim(), error: null });
    },

    pickFolder(files) {
      if (files.length === 0) return;
      set({ source: 'folder', folder: modelFolderFromFiles(files), error: null });
    },

    setMaxNewTokens(n) {
      if (Number.isInteger(n) && n > 0) set({ maxNewTokens: n });
    },

    setThreshold(n) {
      if (Number.isFinite(n) && n >= 0) set({ threshold: n });
    },

    async load() {
      const state = get();
      if (state.status === 'loading') return false;
      const models = deps.models.getState();
      const resolved = resolveModelChoice(state, models.hubHost);
      if ('error' in resolved) {
        set({ status: 'error', error: readableError({ kind: 'missing-files', message: resolved.error }) });
        return false;
      }
      const { source } = resolved;
      const { modelId, revision } = resolved.identity;
      const opts: LoadOptions = {
        source,
        device: models.device,
        dtype: models.dtype,
        fallbackToWasm: true,
        useBrowserCache: true,
        offline: deps.offline(),
      };
      const mine = ++ticket;
      set({ status: 'loading', error: null, judge: null, message: 'Starting…' });
      const onProgress = (p: LoadProgress) => {
        if (mine !== ticket) return;
        const message =
          p.phase === 'download'
            ? `Loading ${p.file} (${p.filesDone}/${p.filesTotal} files)`
            : p.phase === 'ready'
              ? 'Ready'
              : p.message;
        if (message !== get().message) set({ message });
      };
      try {
        const info = await deps.engine.guard(deps.engine.api().loadJudge(opts, Comlink.proxy(onProgress)));
        if (mine !== ticket) return false;
        set({
          status: 'ready',
          judge: { info, identity: { modelId, revision, dtype: info.dtype } },
          message: '',
        });
        return true;
      } catch (e) {
        if (mine !== ticket) return false;
        set({ status: 'error', error: readableError(e), judge: null, message: '' });
        return false;
      }
    },

    unload() {
      ++ticket;
      set({ status: 'idle', judge: null, message: '' });
    },
  }));
}

export const judgeStore: JudgeStore = createJudgeStore();

export function useJudgeStore<T>(selector: (state: JudgeState) => T): T {
  return useStore(judgeStore, selector);
}
