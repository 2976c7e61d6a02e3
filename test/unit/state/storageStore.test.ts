// The Storage tab's store on fake-indexeddb and an in-memory Cache Storage: model files grouped by
// repo and revision, sizes of images and results, and deletions that each touch only their own
// kind — removing model files or images never removes a result.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  getCasesForRun,
  listRuns,
  openBenchmarkDb,
  putImageEmbedding,
  putCase,
  putImages,
  putRun,
} from '../../../src/db/database.ts';
import { createImageStore } from '../../../src/state/imageStore.ts';
import { createResultsStore } from '../../../src/state/resultsStore.ts';
import { createStorageStore, groupModelCache } from '../../../src/state/storageStore.ts';
import { officialDataset } from '../core/fixtures.ts';
import { makeRun, randomRecords } from '../core/results/fixtures.ts';

const HUB = 'https://huggingface.co';

describe('groupModelCache', () => {
  it('groups hub files by hub, repo and revision; other files are the runtime', () => {
    const groups = groupModelCache([
      { url: `${HUB}/org/a/resolve/main/config.json`, bytes: 10 },
      { url: `${HUB}/org/a/resolve/main/onnx/model.onnx`, bytes: 1000 },
      { url: `${HUB}/org/a/resolve/v1/config.json`, bytes: 11 },
      { url: 'http://127.0.0.1:9/mirror/org/b/resolve/refs%2Fpr%2F1/config.json', bytes: 5 },
      { url: 'http://127.0.0.1:4173/assets/ort.wasm', bytes: 2000 },
    ]);
    expect(groups.map((g) => [g.kind, g.repoId, g.revision, g.host, g.files, g.bytes])).toEqual([
      ['model', 'org/a', 'main', HUB, 2, 1010],
      ['model', 'org/a', 'v1', HUB, 1, 11],
      ['model', 'org/b', 'refs/pr/1', 'http://127.0.0.1:9/mirror', 1, 5],
      ['runtime', '127.0.0.1:4173', '', 'http://127.0.0.1:4173', 1, 2000],
    ]);
  });
});

/** Just enough of Cache Storage for the store (keys, match, delete, open). */
function memoryCaches(initial: Record<string, Record<string, number>>): CacheStorage {
  const stores = new Map(
    Object.entries(initial).map(([name, entries]) => [name, new Map(Object.entries(entries))]),
  );
  const cacheOf = (entries: Map<string, number>) =>
    ({
      keys: async () => [...entries.keys()].map((url) => new Request(url)),
      match: async (req: Request | string) => {
        const size = entries.get(typeof req === 'string' ? req : req.url);
        return size === undefined
          ? undefined
          : new Response(new Uint8Array(size), { headers: { 'content-length': String(size) } });
      },
      delete: async (req: Request | string) => entries.delete(typeof req === 'string' ? req : req.url),
    }) as unknown as Cache;
  return {
    keys: async () => [...stores.keys()],
    has: async (name: string) => stores.has(name),
    open: async (name: string) => {
      if (!stores.has(name)) stores.set(name, new Map());
      return cacheOf(stores.get(name)!);
    },
    delete: async (name: string) => stores.delete(name),
    match: async () => undefined,
  } as unknown as CacheStorage;
}

let n = 0;
async function setup() {
  const dataset = officialDataset;
  const dbPromise = openBenchmarkDb(`storage-store-${Date.now()}-${n++}`);
  const db = await dbPromise;
  const run = makeRun('run-1', dataset, { methods: ['GD'] });
  await putRun(db, run);
  for (const record of randomRecords(dataset, ['GD']).slice(0, 20)) {
    await putCase(db, { ...record, runId: run.id, promptHash: 'hash-gd' });
  }
  await putImages(db, [
    {
      localId: '20000',
      blob: new Blob([new Uint8Array(300)], { type: 'image/jpeg' }),
      fileName: '20000.jpg',
    },
    {
      localId: '20001',
      blob: new Blob([new Uint8Array(200)], { type: 'image/jpeg' }),
      fileName: '20001.jpg',
    },
  ]);
  const cacheStorage = memoryCaches({
    'transformers-cache': {
      [`${HUB}/org/a/resolve/main/config.json`]: 100,
      [`${HUB}/org/a/resolve/main/onnx/model.onnx`]: 5000,
      [`${HUB}/org/b/resolve/main/config.json`]: 50,
    },
    'mediconfusion-app-abc': { 'http://127.0.0.1:4173/index.html': 900 },
  });
  const images = createImageStore({ db: () => dbPromise, dataset: () => dataset });
  const results = createResultsStore({ db: () => dbPromise, dataset: () => dataset });
  let modelCacheRefreshed = 0;
  const store = createStorageStore({
    db: () => dbPromise,
    caches: () => cacheStorage,
    storage: () => ({
      estimate: async () => ({ usage: 12_345, quota: 1_000_000 }),
      persisted: async () => false,
      persist: async () => true,
    }),
    images: () => images.getState(),
    results: () => results.getState(),
    datasets: () => ({ deleteSavedDataset: async () => {} }),
    models: () => ({
      refreshCache: async () => {
        modelCacheRefreshed++;
      },
    }),
  });
  await store.getState().refresh();
  return { store, db, cacheStorage, run, refreshed: () => modelCacheRefreshed };
}

describe('storage store', () => {
  it('reports what is stored, with sizes, quota and persistence', async () => {
    const { store, db } = await setup();
    const s = store.getState();
    expect(s.status).toBe('ready');
    expect(s.models.map((m) => [m.repoId, m.files, m.bytes])).toEqual([
      ['org/a', 2, 5100],
      ['org/b', 1, 50],
    ]);
    expect(s.appCaches).toEqual([{ name: 'mediconfusion-app-abc', files: 1, bytes: 900 }]);
    expect(s.images).toEqual({ count: 2, bytes: 500 });
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0]).toMatchObject({ id: 'run-1', cases: 20, status: 'complete', imageEmbeddings: 0 });
    expect(s.runs[0]!.bytes).toBeGreaterThan(1000);
    // The model's own image embeddings count with their run: 2 × 576 float32 here.
    const before = s.runs[0]!.bytes;
    const vector = { mean: new Float32Array(576), globalMean: null, vectors: 64 };
    await putImageEmbedding(db, 'run-1', 'im1', vector);
    await putImageEmbedding(db, 'run-1', 'im2', vector);
    await store.getState().refresh();
    expect(store.getState().runs[0]).toMatchObject({ imageEmbeddings: 2, bytes: before + 2 * 576 * 4 });
    expect(s.estimate).toEqual({ usage: 12_345, quota: 1_000_000 });
    expect(s.persisted).toBe(false);
  });

  it('deleting a model’s files or the images keeps every result', async () => {
    const { store, db, cacheStorage, refreshed } = await setup();
    const before = await getCasesForRun(db, 'run-1');
    const a = store.getState().models.find((m) => m.repoId === 'org/a')!;
    await store.getState().deleteModel(a.key);
    expect(store.getState().models.map((m) => m.repoId)).toEqual(['org/b']);
    expect(refreshed()).toBe(1);
    const left = await (await cacheStorage.open('transformers-cache')).keys();
    expect(left.map((r) => r.url)).toEqual([`${HUB}/org/b/resolve/main/config.json`]);

    await store.getState().clearImages();
    expect(store.getState().images).toEqual({ count: 0, bytes: 0 });
    expect(store.getState().notice).toMatch(/Results are kept/);

    expect(await listRuns(db)).toHaveLength(1);
    expect(await getCasesForRun(db, 'run-1')).toEqual(before);
    expect(store.getState().runs[0]).toMatchObject({ id: 'run-1', cases: 20 });
  });

  it('deletes a run (and only its answers) through the results store', async () => {
    const { store, db } = await setup();
    await store.getState().deleteRun('run-1');
    expect(store.getState().error).toBeNull();
    expect(store.getState().runs).toEqual([]);
    expect(await getCasesForRun(db, 'run-1')).toEqual([]);
    expect(store.getState().images.count).toBe(2);
    expect(store.getState().models).toHaveLength(2);
  });

  it('asks for persistent storage', async () => {
    const { store } = await setup();
    await store.getState().requestPersistent();
    expect(store.getState().persisted).toBe(true);
  });
});
