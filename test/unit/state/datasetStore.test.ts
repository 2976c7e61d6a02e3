// The dataset store against the real bundled files (served by a fake fetch) and fake-indexeddb.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { listDatasets, openBenchmarkDb, type BenchmarkDb } from '../../../src/db/database.ts';
import {
  createDatasetStore,
  detectDatasetFormat,
  MAX_DATASET_FILE_BYTES,
  type DatasetStoreDeps,
} from '../../../src/state/datasetStore.ts';

const publicDir = fileURLToPath(new URL('../../../public/', import.meta.url));
const officialText = readFileSync(`${publicDir}data/mediconfusion/dataset.json`, 'utf8');
const statistics = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../src/data/mediconfusion/statistics.json', import.meta.url)),
    'utf8',
  ),
) as Record<string, number>;

const BASE = 'http://localhost:4173/app/';

/** Serves public/ under BASE, like vite does; records every URL asked for. */
function fakeFetch(requested: string[], fail?: (url: string) => Response | undefined) {
  return async (url: string): Promise<Response> => {
    requested.push(url);
    const failure = fail?.(url);
    if (failure) return failure;
    if (!url.startsWith(BASE)) return new Response('not found', { status: 404 });
    try {
      return new Response(readFileSync(publicDir + url.slice(BASE.length), 'utf8'));
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}

let dbCounter = 0;
function makeStore(overrides: Partial<DatasetStoreDeps> = {}) {
  const requested: string[] = [];
  const dbPromise = openBenchmarkDb(`state-test-${Date.now()}-${dbCounter++}`);
  const store = createDatasetStore({
    fetch: fakeFetch(requested),
    baseUrl: () => BASE,
    db: () => dbPromise,
    ...overrides,
  });
  return { store, requested, db: dbPromise as Promise<BenchmarkDb> };
}

const CSV = [
  'id,question,option_A,option_B,im_1_correct,im_2_correct,im_1_local,im_2_local,category_1,category_2',
  'p1,"Is this, really, a mass?",Yes,No,A,B,1,2,Cerebral,Cerebral;Vascular',
  'p2,Which side?,Left,Right,B,A,3,1,Cardiac,Cardiac',
].join('\n');

function brokenOfficial(): string {
  const data = JSON.parse(officialText) as Record<string, Record<string, unknown>>;
  const first = data['10001'];
  if (!first) throw new Error('fixture: pair 10001 missing');
  first.im_1_correct = 'C';
  return JSON.stringify(data);
}

describe('loading the official dataset', () => {
  it('fetches dataset.json relative to the page and parses all 176 pairs with the official counts', async () => {
    const { store, requested } = makeStore();
    expect(store.getState().status).toBe('idle');
    const loading = store.getState().loadOfficial();
    expect(store.getState().status).toBe('loading');
    await loading;
    const s = store.getState();
    expect(s.status).toBe('ready');
    expect(s.error).toBeNull();
    expect(s.source).toBe('official');
    expect(s.dataset?.pairs).toHaveLength(176);
    expect(s.dataset?.name).toBe('MediConfusion');
    expect(s.dataset?.categoryCounts).toEqual(statistics);
    expect(requested.sort()).toEqual([`${BASE}data/mediconfusion/dataset.json`]);
  });

  it('reports an HTTP failure as an error state with no dataset, and can retry', async () => {
    const requested: string[] = [];
    let failing = true;
    const { store } = makeStore({
      fetch: fakeFetch(requested, (url) =>
        failing && url.endsWith('dataset.json') ? new Response('', { status: 404 }) : undefined,
      ),
    });
    await store.getState().loadOfficial();
    expect(store.getState().status).toBe('error');
    expect(store.getState().dataset).toBeNull();
    expect(store.getState().error).toMatch(/data\/mediconfusion\/dataset\.json: HTTP 404/);
    failing = false;
    await store.getState().loadOfficial();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().error).toBeNull();
  });

  it('fetches only once when loaded again', async () => {
    const { store, requested } = makeStore();
    await store.getState().loadOfficial();
    await store.getState().loadOfficial();
    expect(requested).toHaveLength(1);
  });
});

describe('importing a user file', () => {
  it('loads a CSV, marks it as the user source and saves it to IndexedDB', async () => {
    const { store, db } = makeStore();
    await store.getState().loadOfficial();
    await store.getState().importDatasetFile(new File([CSV], 'my pairs.csv', { type: 'text/csv' }));
    const s = store.getState();
    expect(s.status).toBe('ready');
    expect(s.error).toBeNull();
    expect(s.source).toBe('user');
    expect(s.fileName).toBe('my pairs.csv');
    expect(s.dataset?.name).toBe('my pairs');
    expect(s.dataset?.pairs.map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(s.dataset?.pairs[0]?.question).toBe('Is this, really, a mass?');
    const saved = await listDatasets(await db);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ hash: s.dataset?.hash, name: 'my pairs', format: 'csv', text: CSV });
    expect(s.saved.map((d) => d.hash)).toEqual([s.dataset?.hash]);
  });

  it('keeps the current dataset and names pair and field when a file is malformed', async () => {
    const { store, db } = makeStore();
    await store.getState().loadOfficial();
    const before = store.getState().dataset;
    await store.getState().importDatasetFile(new File([brokenOfficial()], 'broken.json'));
    const s = store.getState();
    expect(s.dataset).toBe(before);
    expect(s.source).toBe('official');
    expect(s.status).toBe('ready');
    expect(s.error).toContain('broken.json was not loaded');
    expect(s.error).toContain('pair 10001');
    expect(s.error).toContain('field "im_1_correct"');
    expect(await listDatasets(await db)).toEqual([]);
    s.dismissError();
    expect(store.getState().error).toBeNull();
  });

  it('reports invalid JSON syntax with its position', async () => {
    const { store } = makeStore();
    await store.getState().loadOfficial();
    await store.getState().importDatasetFile(new File(['{"10001": {'], 'cut.json'));
    expect(store.getState().error).toMatch(/cut\.json was not loaded: not valid JSON.*line 1 column/);
    expect(store.getState().dataset?.pairs).toHaveLength(176);
  });

  it('rejects files over the size limit without reading them', async () => {
    const { store } = makeStore();
    const file = new File(['x'], 'huge.json');
    Object.defineProperty(file, 'size', { value: MAX_DATASET_FILE_BYTES + 1 });
    const text = vi.spyOn(file, 'text');
    await store.getState().importDatasetFile(file);
    expect(store.getState().error).toMatch(/huge\.json is too large/);
    expect(store.getState().status).toBe('error'); // nothing was loaded before
    expect(text).not.toHaveBeenCalled();
  });

  it('still loads the dataset when saving it fails, with a notice', async () => {
    const { store } = makeStore({ db: () => Promise.reject(new Error('IndexedDB unavailable')) });
    await store.getState().importDatasetFile(new File([CSV], 'pairs.csv'));
    const s = store.getState();
    expect(s.dataset?.pairs).toHaveLength(2);
    expect(s.error).toBeNull();
    expect(s.notice).toMatch(/could not be saved for next time: IndexedDB unavailable/);
    expect(s.saved).toEqual([]);
  });

  it('switches back to the official dataset without fetching again', async () => {
    const { store, requested } = makeStore();
    await store.getState().loadOfficial();
    await store.getState().importDatasetFile(new File([CSV], 'pairs.csv'));
    await store.getState().useOfficialDataset();
    expect(store.getState().source).toBe('official');
    expect(store.getState().fileName).toBeNull();
    expect(store.getState().dataset?.pairs).toHaveLength(176);
    expect(requested).toHaveLength(1);
  });

  it('lets the latest choice win when an earlier load finishes later', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const requested: string[] = [];
    const slowFetch = fakeFetch(requested);
    const { store } = makeStore({
      fetch: async (url) => {
        await gate;
        return slowFetch(url);
      },
    });
    const official = store.getState().loadOfficial();
    await store.getState().importDatasetFile(new File([CSV], 'pairs.csv'));
    release();
    await official;
    expect(store.getState().source).toBe('user');
    expect(store.getState().dataset?.pairs).toHaveLength(2);
  });
});

describe('saved datasets', () => {
  it('reloads and deletes a saved dataset', async () => {
    const { store } = makeStore();
    await store.getState().importDatasetFile(new File([CSV], 'pairs.csv'));
    const hash = store.getState().dataset?.hash ?? '';
    await store.getState().loadOfficial();
    expect(store.getState().source).toBe('official');

    await store.getState().loadSavedDataset(hash);
    expect(store.getState().source).toBe('user');
    expect(store.getState().dataset?.hash).toBe(hash);
    expect(store.getState().fileName).toBe('pairs.csv');

    await store.getState().deleteSavedDataset(hash);
    expect(store.getState().saved).toEqual([]);
    await store.getState().loadSavedDataset(hash);
    expect(store.getState().error).toMatch(/no longer in browser storage/);
    expect(store.getState().dataset?.hash).toBe(hash); // still the one in memory
  });

  it('lists nothing when IndexedDB cannot be opened', async () => {
    const { store } = makeStore({ db: () => Promise.reject(new Error('no idb')) });
    await store.getState().refreshSaved();
    expect(store.getState().saved).toEqual([]);
  });
});

describe('detectDatasetFormat', () => {
  it('uses the extension, else the first character', () => {
    expect(detectDatasetFormat('id,question', 'a.JSON')).toBe('json');
    expect(detectDatasetFormat('{}', 'a.csv')).toBe('csv');
    expect(detectDatasetFormat('\uFEFF  [', 'pairs')).toBe('json');
    expect(detectDatasetFormat('id,question', 'pairs.txt')).toBe('csv');
  });
});
