// The Storage tab's state: what this browser keeps for the app and how much room it takes — model
// files (transformers.js's Cache Storage, grouped by repo and revision), the offline copy of the app
// (the service worker's cache), benchmark images, results per run and saved datasets (IndexedDB) —
// with the quota, whether storage is persistent, and deleting each item. Deletions go through the
// store that owns the data, and each touches only its own kind: removing images or a model never
// removes a result.
import { runName } from '../core/run/runName.ts';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  estimateStorage,
  getCasesForRun,
  getImageEmbeddingsForRun,
  listDatasets,
  listRuns,
  requestPersistence,
  sharedDb,
  type BenchmarkDb,
  type RunRecord,
} from '../db/database.ts';
import { APP_CACHE_PREFIX, MODEL_CACHE_NAME } from '../sw/policy.ts';
import { datasetStore } from './datasetStore.ts';
import { imageStore } from './imageStore.ts';
import { modelStore } from './modelStore.ts';
import { resultsStore } from './resultsStore.ts';

/**
 * The model files of one repo at one revision, from one hub; or ('runtime') the other files
 * transformers.js keeps in the same cache: onnxruntime-web's wasm, fetched from the app itself.
 */
export interface ModelCacheGroup {
  kind: 'model' | 'runtime';
  /** Stable key: hub, repo and revision. */
  key: string;
  /** "owner/name", or the URL's host for files that are not in the hub layout. */
  repoId: string;
  revision: string;
  /** Where the files were downloaded from (origin and any path prefix). */
  host: string;
  files: number;
  bytes: number;
  urls: string[];
}

export interface CacheEntryInfo {
  url: string;
  bytes: number;
}

const HUB_PATH = /^(.*?)\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/.+$/;

/**
 * Groups cached file URLs: model files (`<hub>/<owner>/<name>/resolve/<revision>/<file>`) by hub,
 * repo and revision; anything else ('runtime') by origin.
 */
export function groupModelCache(entries: readonly CacheEntryInfo[]): ModelCacheGroup[] {
  const groups = new Map<string, ModelCacheGroup>();
  for (const { url, bytes } of entries) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    const m = HUB_PATH.exec(parsed.pathname);
    const host = `${parsed.origin}${m ? m[1] : ''}`;
    const repoId = m ? `${decodeURIComponent(m[2]!)}/${decodeURIComponent(m[3]!)}` : parsed.host;
    const revision = m ? decodeURIComponent(m[4]!) : '';
    const key = JSON.stringify([host, repoId, revision]);
    const kind = m ? 'model' : 'runtime';
    const group = groups.get(key) ?? { kind, key, repoId, revision, host, files: 0, bytes: 0, urls: [] };
    group.files++;
    group.bytes += bytes;
    group.urls.push(url);
    groups.set(key, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      a.kind.localeCompare(b.kind) ||
      a.repoId.localeCompare(b.repoId) ||
      a.revision.localeCompare(b.revision),
  );
}

export interface AppCacheInfo {
  name: string;
  files: number;
  bytes: number;
}

export interface RunStorageInfo {
  id: string;
  label: string;
  status: RunRecord['status'];
  imported: boolean;
  cases: number;
  /** Images whose embedding (the model's own view of it) is kept with the run. */
  imageEmbeddings: number;
  /** Approximate: the stored records as JSON plus the embeddings' float32 vectors. */
  bytes: number;
}

export interface DatasetStorageInfo {
  hash: string;
  name: string;
  bytes: number;
}

export interface StorageState {
  status: 'idle' | 'reading' | 'ready' | 'error';
  error: string | null;
  notice: string | null;
  /** False where the page cannot use Cache Storage (not a secure context). */
  cachesAvailable: boolean;
  models: ModelCacheGroup[];
  appCaches: AppCacheInfo[];
  images: { count: number; bytes: number };
  runs: RunStorageInfo[];
  datasets: DatasetStorageInfo[];
  estimate: { usage: number; quota: number } | null;
  /** null where the browser cannot tell. */
  persisted: boolean | null;
  /** What is being deleted now ('model:<key>', 'images', 'run:<id>', 'dataset:<hash>'). */
  busy: string | null;

  refresh(): Promise<void>;
  deleteModel(key: string): Promise<void>;
  clearImages(): Promise<void>;
  deleteRun(id: string): Promise<void>;
  deleteDataset(hash: string): Promise<void>;
  requestPersistent(): Promise<void>;
  dismiss(): void;
}

type StorageManagerLike = Pick<StorageManager, 'estimate'> &
  Partial<Pick<StorageManager, 'persist' | 'persisted'>>;

export interface StorageStoreDeps {
  db: () => Promise<BenchmarkDb>;
  caches: () => CacheStorage | undefined;
  storage: () => StorageManagerLike | undefined;
  /** The stores that own each kind of data; deletions go through them. */
  images: () => { clearAll(): Promise<void> };
  results: () => { deleteRun(id: string): Promise<void>; error: { message: string } | null };
  datasets: () => { deleteSavedDataset(hash: string): Promise<void> };
  models: () => { refreshCache(): Promise<void> };
}

export type StorageStore = StoreApi<StorageState>;

const browserDeps: StorageStoreDeps = {
  db: sharedDb,
  caches: () => (typeof caches !== 'undefined' ? caches : undefined),
  storage: () => (typeof navigator !== 'undefined' ? navigator.storage : undefined),
  images: () => imageStore.getState(),
  results: () => resultsStore.getState(),
  datasets: () => datasetStore.getState(),
  models: () => modelStore.getState(),
};

async function responseBytes(response: Response): Promise<number> {
  const length = Number(response.headers.get('content-length'));
  return Number.isFinite(length) && length > 0 ? length : (await response.blob()).size;
}

async function readCache(storage: CacheStorage, name: string): Promise<CacheEntryInfo[]> {
  const cache = await storage.open(name);
  const out: CacheEntryInfo[] = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    out.push({ url: request.url, bytes: response ? await responseBytes(response) : 0 });
  }
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function createStorageStore(overrides: Partial<StorageStoreDeps> = {}): StorageStore {
  const deps: StorageStoreDeps = { ...browserDeps, ...overrides };
  let ticket = 0;

  return createStore<StorageState>()((set, get) => {
    async function readAll(): Promise<Partial<StorageState>> {
      const storage = deps.caches();
      let models: ModelCacheGroup[] = [];
      const appCaches: AppCacheInfo[] = [];
      if (storage) {
        const names = await storage.keys();
        if (names.includes(MODEL_CACHE_NAME))
          models = groupModelCache(await readCache(storage, MODEL_CACHE_NAME));
        for (const name of names.filter((n) => n.startsWith(APP_CACHE_PREFIX))) {
          const entries = await readCache(storage, name);
          appCaches.push({ name, files: entries.length, bytes: entries.reduce((a, e) => a + e.bytes, 0) });
        }
      }
      const db = await deps.db();
      const imageRecords = await db.getAll('images');
      const runs: RunStorageInfo[] = [];
      for (const run of await listRuns(db)) {
        const cases = await getCasesForRun(db, run.id);
        const embeddings = await getImageEmbeddingsForRun(db, run.id);
        const vectorBytes = embeddings.reduce(
          (sum, e) => sum + e.mean.byteLength + (e.globalMean?.byteLength ?? 0),
          0,
        );
        runs.push({
          id: run.id,
          label: runName(run),
          status: run.status,
          imported: run.imported,
          cases: cases.length,
          imageEmbeddings: embeddings.length,
          bytes: new Blob([JSON.stringify(run), JSON.stringify(cases)]).size + vectorBytes,
        });
      }
      const datasets = (await listDatasets(db)).map((d) => ({
        hash: d.hash,
        name: d.name,
        bytes: new Blob([d.text]).size,
      }));
      const manager = deps.storage();
      const estimate = await estimateStorage(manager).catch(() => null);
      const persisted = manager?.persisted ? await manager.persisted().catch(() => null) : null;
      return {
        cachesAvailable: storage !== undefined,
        models,
        appCaches,
        images: {
          count: imageRecords.length,
          bytes: imageRecords.reduce((sum, r) => sum + (r.size ?? r.blob.size), 0),
        },
        runs,
        datasets,
        estimate,
        persisted,
      };
    }

    /** Runs a deletion, then reads everything again. */
    async function removing(busy: string, action: () => Promise<string | null>) {
      if (get().busy !== null) return;
      set({ busy, error: null, notice: null });
      try {
        const notice = await action();
        set({ notice });
      } catch (e) {
        set({ error: message(e) });
      } finally {
        set({ busy: null });
      }
      await get().refresh();
    }

    return {
      status: 'idle',
      error: null,
      notice: null,
      cachesAvailable: true,
      models: [],
      appCaches: [],
      images: { count: 0, bytes: 0 },
      runs: [],
      datasets: [],
      estimate: null,
      persisted: null,
      busy: null,

      async refresh() {
        const mine = ++ticket;
        set({ status: 'reading' });
        try {
          const patch = await readAll();
          if (mine === ticket) set({ ...patch, status: 'ready' });
        } catch (e) {
          if (mine === ticket)
            set({ status: 'error', error: `Could not read what is stored: ${message(e)}` });
        }
      },

      deleteModel(key) {
        return removing(`model:${key}`, async () => {
          const group = get().models.find((g) => g.key === key);
          const storage = deps.caches();
          if (!group || !storage) return null;
          const cache = await storage.open(MODEL_CACHE_NAME);
          await Promise.all(group.urls.map((url) => cache.delete(url)));
          await deps.models().refreshCache();
          return group.kind === 'runtime'
            ? 'Removed the cached copy of the engine runtime (it is cached again at the next model load).'
            : `Removed the model files of ${group.repoId}${group.revision ? `@${group.revision}` : ''}. Results are kept.`;
        });
      },

      clearImages() {
        return removing('images', async () => {
          await deps.images().clearAll();
          return 'Removed the stored images. Results are kept.';
        });
      },

      deleteRun(id) {
        return removing(`run:${id}`, async () => {
          const label = get().runs.find((r) => r.id === id)?.label ?? id;
          const before = deps.results().error;
          await deps.results().deleteRun(id);
          const failed = deps.results().error;
          if (failed && failed !== before) throw new Error(failed.message);
          return `Deleted run “${label}” and its answers.`;
        });
      },

      deleteDataset(hash) {
        return removing(`dataset:${hash}`, async () => {
          await deps.datasets().deleteSavedDataset(hash);
          return 'Removed the saved dataset.';
        });
      },

      async requestPersistent() {
        try {
          const granted = await requestPersistence(deps.storage());
          set({
            persisted: granted,
            notice: granted
              ? 'Storage is persistent: the browser will not evict it under pressure.'
              : 'The browser did not grant persistent storage (it decides by its own rules, e.g. an installed app or a bookmarked site).',
          });
        } catch (e) {
          set({ error: message(e) });
        }
      },

      dismiss() {
        set({ error: null, notice: null });
      },
    };
  });
}

/** The app's storage store. */
export const storageStore: StorageStore = createStorageStore();

export function useStorageStore<T>(selector: (state: StorageState) => T): T {
  return useStore(storageStore, selector);
}
