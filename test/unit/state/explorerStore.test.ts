// The explorer store on fake-indexeddb with a fake address bar and fullscreen: links applied, changes
// pushed (typing coalesced), Back restoring the view, runs, cases and image embeddings read, images
// decoded ahead and revoked when far, presentation left with full screen.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseRecord, Dataset } from '../../../src/core/types.ts';
import {
  openBenchmarkDb,
  putCase,
  putImageEmbedding,
  putImages,
  putRun,
  type BenchmarkDb,
  type RunRecord,
} from '../../../src/db/database.ts';
import {
  createExplorerStore,
  type ExplorerStore,
  type FullscreenPort,
  type LocationPort,
} from '../../../src/state/explorerStore.ts';
import { makeDataset, makePair } from '../core/fixtures.ts';

const dataset: Dataset = makeDataset([
  makePair('1', 'A', ['Cerebral'], ['Cerebral']),
  makePair('2', 'B', ['Cardiac'], ['Cardiac']),
  makePair('3', 'A', ['Spinal'], ['Spinal']),
  makePair('4', 'B', ['Cardiac'], ['Vascular']),
]);

let counter = 0;
const opened: BenchmarkDb[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

function run(id: string, createdAt: number, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    label: `Run ${id}`,
    datasetHash: dataset.hash,
    datasetName: dataset.name,
    model: { sourceKind: 'hub', modelId: 'tiny', revision: 'main' },
    device: 'wasm',
    dtype: 'fp32',
    methods: ['GD'],
    promptHashes: { GD: 'h' },
    engineVersion: '1',
    status: 'complete',
    createdAt,
    updatedAt: createdAt,
    runCard: {},
    imported: false,
    ...over,
  };
}

function gd(pairId: string, slot: 1 | 2, pA: number): CaseRecord {
  return { pairId, slot, method: 'GD', answer: pA >= 0.5 ? 'A' : 'B', probabilities: { A: pA, B: 1 - pA } };
}

/** Pairs 2 and 4 confused (same answer to both images), 1 and 3 right on both. */
const CASES = [
  gd('1', 1, 0.9),
  gd('1', 2, 0.1),
  gd('2', 1, 0.8),
  gd('2', 2, 0.7),
  gd('3', 1, 0.6),
  gd('3', 2, 0.2),
  gd('4', 1, 0.3),
  gd('4', 2, 0.4),
];

async function seededDb(): Promise<BenchmarkDb> {
  const db = await openBenchmarkDb(`explorer-test-${Date.now()}-${counter++}`);
  opened.push(db);
  await putRun(db, run('old', 1));
  await putRun(db, run('new', 2));
  await putRun(db, run('elsewhere', 3, { datasetHash: 'another' }));
  for (const c of CASES) await putCase(db, { ...c, runId: 'new', promptHash: 'h' });
  await putImages(
    db,
    ['11', '12', '21', '22', '31', '32'].map((id) => ({
      localId: id,
      blob: new Blob([id], { type: 'image/jpeg' }),
      fileName: `${id}.jpg`,
    })),
  );
  return db;
}

/** A history with Back, like the browser's: push drops the forward entries. */
function fakeLocation(initial: string) {
  const entries = [initial];
  let at = 0;
  let listener: (() => void) | null = null;
  const port: LocationPort = {
    hash: () => entries[at] as string,
    push: (hash) => {
      entries.splice(at + 1, Infinity, hash);
      at++;
    },
    replace: (hash) => {
      entries[at] = hash;
    },
    listen: (onChange) => {
      listener = onChange;
      return () => {
        listener = null;
      };
    },
  };
  return {
    port,
    entries,
    back() {
      at--;
      listener?.();
    },
    length: () => entries.length,
  };
}

function fakeFullscreen() {
  let active = false;
  let listener: (() => void) | null = null;
  const port: FullscreenPort = {
    active: () => active,
    request: async () => {
      active = true;
      listener?.();
    },
    exit: async () => {
      active = false;
      listener?.();
    },
    listen: (onChange) => {
      listener = onChange;
      return () => {
        listener = null;
      };
    },
  };
  return { port, userPressedEscape: () => void port.exit() };
}

function makeStore(db: BenchmarkDb, hash: string, extra: { broken?: string[] } = {}) {
  const location = fakeLocation(hash);
  const fullscreen = fakeFullscreen();
  const created: string[] = [];
  const revoked: string[] = [];
  let n = 0;
  const store: ExplorerStore = createExplorerStore({
    db: async () => db,
    dataset: () => dataset,
    location: location.port,
    fullscreen: fullscreen.port,
    createObjectUrl: (blob) => {
      const url = `blob:${n++}:${(blob as Blob & { size: number }).size}`;
      created.push(url);
      return url;
    },
    revokeObjectUrl: (url) => revoked.push(url),
    decode: async (url) => {
      if (extra.broken?.some((id) => url === created[Number(id)])) throw new Error('broken');
    },
  });
  return { store, location, fullscreen, created, revoked };
}

const flush = () => new Promise((r) => setTimeout(r, 20));

describe('explorer store', () => {
  it('picks the newest run on this dataset once, without adding a history entry', async () => {
    const db = await seededDb();
    const { store, location } = makeStore(db, '#explorer');
    store.getState().connect();
    await store.getState().refresh();
    expect(store.getState().runs.map((r) => r.id)).toEqual(['elsewhere', 'new', 'old']);
    expect(store.getState().url.run).toBe('new');
    expect(location.port.hash()).toBe('#explorer?run=new');
    expect(location.length()).toBe(1);
    await flush();
    expect(store.getState().runCases.new?.status).toBe('ready');
    expect(store.getState().runCases.new?.index.get('2')?.[2].GD?.probabilities?.A).toBe(0.7);
    expect([...store.getState().imageIds].sort()).toEqual(['11', '12', '21', '22', '31', '32']);

    store.getState().setRun(null);
    await store.getState().refresh();
    expect(store.getState().url.run).toBeNull();
  });

  it('applies a link, pushes changes, coalesces typing and goes Back', async () => {
    const db = await seededDb();
    const { store, location } = makeStore(db, '#explorer?pair=3&run=new&method=GD');
    store.getState().connect();
    await store.getState().refresh();
    await flush();
    expect(store.getState().url).toMatchObject({ pair: '3', run: 'new', method: 'GD' });

    // Pair 3 is not confused: the filter moves to the first confused pair.
    store.getState().setFilter({ outcome: 'confused' });
    expect(store.getState().url.pair).toBe('2');
    expect(location.port.hash()).toBe('#explorer?pair=2&run=new&method=GD&outcome=confused');
    expect(location.length()).toBe(2);

    store.getState().openPair('4');
    expect(location.length()).toBe(3);

    store.getState().setFilter({ query: 'Q' });
    store.getState().setFilter({ query: 'Qu' });
    store.getState().setFilter({ query: 'Question 4' });
    expect(location.length()).toBe(4);
    expect(store.getState().url.query).toBe('Question 4');
    expect(location.port.hash()).toContain('q=Question+4');

    location.back();
    expect(store.getState().url).toMatchObject({ pair: '4', query: '' });
    location.back();
    expect(store.getState().url).toMatchObject({ pair: '2', outcome: 'confused' });
  });

  it('filters to the pairs the compared run answers differently, and clears that filter', async () => {
    const db = await seededDb();
    // Run "old" answers as "new" except image 1 of pair 3 (B instead of A).
    for (const c of CASES) {
      const flipped = c.pairId === '3' && c.slot === 1 ? gd('3', 1, 0.2) : c;
      await putCase(db, { ...flipped, runId: 'old', promptHash: 'h' });
    }
    const { store, location } = makeStore(db, '#explorer?pair=1&run=new&compare=old&method=GD');
    store.getState().connect();
    await store.getState().refresh();
    await flush();
    store.getState().setFilter({ flipped: true });
    expect(store.getState().url).toMatchObject({ pair: '3', flipped: true });
    expect(location.port.hash()).toBe('#explorer?pair=3&run=new&compare=old&method=GD&flipped=1');
    store.getState().clearFilters();
    expect(store.getState().url.flipped).toBe(false);
  });

  it('restores the last view on a bare #explorer and leaves other tabs alone', async () => {
    const db = await seededDb();
    const { store, location } = makeStore(db, '#explorer?pair=2&view=scatter');
    const disconnect = store.getState().connect();
    disconnect();
    location.port.push('#pairs');
    store.getState().setView('sensitivity');
    expect(location.port.hash()).toBe('#pairs');
    location.port.push('#explorer');
    store.getState().connect();
    expect(location.port.hash()).toBe('#explorer?pair=2&view=sensitivity');
  });

  it("reads a run's image embeddings with its cases, and none for a run that kept none", async () => {
    const db = await seededDb();
    const mean = new Float32Array([1, 0, 2]);
    await putImageEmbedding(db, 'new', '11', { mean, globalMean: null, vectors: 81 });
    await putImageEmbedding(db, 'new', '12', {
      mean: new Float32Array([0, 1, 0]),
      globalMean: null,
      vectors: 81,
    });
    await putImageEmbedding(db, 'old', '11', { mean, globalMean: null, vectors: 81 });
    const { store } = makeStore(db, '#explorer?pair=1&run=new&compare=elsewhere');
    store.getState().connect();
    await store.getState().refresh();
    await flush();
    const embeddings = store.getState().runCases.new?.embeddings;
    expect([...(embeddings?.keys() ?? [])].sort()).toEqual(['11', '12']);
    expect([...embeddings!.get('11')!.mean]).toEqual([1, 0, 2]);
    expect(embeddings!.get('11')!.vectors).toBe(81);
    expect(store.getState().runCases.elsewhere?.status).toBe('ready');
    expect(store.getState().runCases.elsewhere?.embeddings.size).toBe(0);

    // Embeddings stored after the first read (a run finished meanwhile) show on refresh.
    await putImageEmbedding(db, 'new', '21', { mean, globalMean: mean, vectors: 2 });
    await store.getState().refresh();
    expect(store.getState().runCases.new?.embeddings.get('21')?.globalMean).toEqual(mean);
  });

  it('sorts a column, then reverses it', async () => {
    const db = await seededDb();
    const { store } = makeStore(db, '#explorer');
    store.getState().setSort('biomedclip');
    expect(store.getState().url.sort).toEqual({ key: 'biomedclip', descending: true });
    store.getState().setSort('biomedclip');
    expect(store.getState().url.sort).toEqual({ key: 'biomedclip', descending: false });
  });

  it('decodes stored images ahead and revokes those far away', async () => {
    const db = await seededDb();
    const { store, created, revoked } = makeStore(db, '#explorer');
    await store.getState().refresh();
    await store
      .getState()
      .prepareImages(['11', '12', '21', '22', '41'], ['11', '12', '21', '22', '31', '32']);
    // 41 is not stored: no URL.
    expect(Object.keys(store.getState().imageUrls).sort()).toEqual(['11', '12', '21', '22']);
    expect(created).toHaveLength(4);
    await store.getState().prepareImages(['31', '32'], ['21', '22', '31', '32']);
    expect(Object.keys(store.getState().imageUrls).sort()).toEqual(['21', '22', '31', '32']);
    expect(revoked.sort()).toEqual([created[0], created[1]].sort());
    store.getState().releaseImages();
    expect(store.getState().imageUrls).toEqual({});
    expect(revoked).toHaveLength(6);
  });

  it('marks an image that cannot be decoded', async () => {
    const db = await seededDb();
    const { store } = makeStore(db, '#explorer', { broken: ['0'] });
    await store.getState().refresh();
    await store.getState().prepareImages(['11'], []);
    expect(store.getState().brokenImages.has('11')).toBe(true);
  });

  it('presents in full screen, and leaving full screen leaves presentation', async () => {
    const db = await seededDb();
    const { store, location, fullscreen } = makeStore(db, '#explorer?pair=1');
    store.getState().connect();
    store.getState().setPresent(true);
    await flush();
    expect(store.getState().fullscreen).toBe(true);
    expect(location.port.hash()).toBe('#explorer?pair=1&present=1');
    fullscreen.userPressedEscape();
    await flush();
    expect(store.getState().url.present).toBe(false);
    expect(store.getState().fullscreen).toBe(false);
    expect(location.port.hash()).toBe('#explorer?pair=1');
  });
});
