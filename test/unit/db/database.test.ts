// Repository round trips, deletion scope and quota-error mapping, on fake-indexeddb.
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DB_VERSION,
  StorageFullError,
  caseKey,
  clearImages,
  countCasesForRun,
  deleteDataset,
  deleteImage,
  deleteRun,
  estimateStorage,
  getCase,
  getCasesForRun,
  getDataset,
  getImage,
  getImageEmbeddingsForRun,
  imageEmbeddingsOfRun,
  getRun,
  listDatasets,
  listImageIds,
  listRuns,
  openBenchmarkDb,
  parseCaseKey,
  isQuotaError,
  putCase,
  putDataset,
  putImageEmbedding,
  putImages,
  putRun,
  requestPersistence,
  type BenchmarkDb,
  type NewCase,
  type RunRecord,
} from '../../../src/db/database.ts';

let counter = 0;
const opened: BenchmarkDb[] = [];

async function freshDb(): Promise<BenchmarkDb> {
  const db = await openBenchmarkDb(`test-db-${Date.now()}-${counter++}`);
  opened.push(db);
  return db;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const db of opened.splice(0)) db.close();
});

function run(id: string, createdAt = 1000): RunRecord {
  return {
    id,
    label: `Run ${id}`,
    datasetHash: 'abcd',
    datasetName: 'MediConfusion',
    model: { sourceKind: 'hub', modelId: 'org/model', revision: 'main' },
    device: 'wasm',
    dtype: 'q8',
    methods: ['GD', 'PS'],
    promptHashes: { GD: 'h1', PS: 'h2' },
    engineVersion: '0.1.0',
    status: 'running',
    createdAt,
    updatedAt: createdAt,
    runCard: { note: 'test', nested: { a: [1, 2] } },
    imported: false,
  };
}

function gdCase(runId: string, pairId: string, slot: 1 | 2): NewCase {
  return {
    runId,
    promptHash: 'h1',
    pairId,
    slot,
    method: 'GD',
    answer: 'A',
    probabilities: { A: 0.7, B: 0.3 },
    ms: 12.5,
  };
}

describe('openBenchmarkDb', () => {
  it('creates all stores and the byRun indexes at the current version', async () => {
    const db = await freshDb();
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual([
      'cases',
      'datasets',
      'imageEmbeddings',
      'images',
      'runs',
    ]);
    for (const store of ['cases', 'imageEmbeddings'] as const) {
      const tx = db.transaction(store);
      expect([...tx.store.indexNames]).toEqual(['byRun']);
      expect(tx.store.keyPath).toBe('key');
      await tx.done;
    }
  });

  it('upgrades a version 1 database to version 2 keeping its runs and cases', async () => {
    const name = `upgrade-${Date.now()}`;
    // A browser holding the version 1 schema exactly as version 1 created it.
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('cases', { keyPath: 'key' }).createIndex('byRun', 'runId');
        db.createObjectStore('images', { keyPath: 'localId' });
        db.createObjectStore('datasets', { keyPath: 'hash' });
      },
    });
    await v1.put('runs', run('old'));
    const { promptHash: _h, ...old } = gdCase('old', 'p1', 1) as NewCase & { promptHash: string };
    await v1.put('cases', { ...old, key: caseKey('old', 'GD', 'h1', 'p1', 1), computedAt: 1 });
    v1.close();
    const db = await openBenchmarkDb(name);
    opened.push(db);
    expect(db.version).toBe(2);
    expect((await getRun(db, 'old'))?.label).toBe('Run old');
    expect(await countCasesForRun(db, 'old')).toBe(1);
    expect(await getImageEmbeddingsForRun(db, 'old')).toEqual([]);
  });

  it('reopens an existing database without losing data', async () => {
    const name = `reopen-${Date.now()}`;
    const first = await openBenchmarkDb(name);
    await putRun(first, run('r1'));
    first.close();
    const second = await openBenchmarkDb(name);
    opened.push(second);
    expect((await getRun(second, 'r1'))?.label).toBe('Run r1');
  });
});

describe('caseKey', () => {
  it('cannot collide when ids contain separator-like characters', () => {
    expect(caseKey('a:b', 'GD', 'h', 'c', 1)).not.toBe(caseKey('a', 'GD', 'h', 'b:c', 1));
    expect(caseKey('r', 'GD', 'h', 'p', 1)).not.toBe(caseKey('r', 'GD', 'h', 'p', 2));
    expect(caseKey('r', 'GD', 'h', 'p', 1)).toBe(caseKey('r', 'GD', 'h', 'p', 1));
  });
});

describe('runs', () => {
  it('round-trips a run and lists runs newest first', async () => {
    const db = await freshDb();
    await putRun(db, run('old', 1000));
    await putRun(db, run('new', 2000));
    expect(await getRun(db, 'old')).toEqual(run('old', 1000));
    expect(await getRun(db, 'missing')).toBeUndefined();
    expect((await listRuns(db)).map((r) => r.id)).toEqual(['new', 'old']);
    await putRun(db, { ...run('old', 1000), status: 'complete' });
    expect((await getRun(db, 'old'))?.status).toBe('complete');
  });

  it('deleteRun removes only that run, its cases and its image embeddings, never images', async () => {
    const db = await freshDb();
    await putRun(db, run('r1'));
    await putRun(db, run('r2'));
    const embedding = { mean: new Float32Array([1, 2]), globalMean: null, vectors: 3 };
    await putImageEmbedding(db, 'r1', '20192', embedding);
    await putImageEmbedding(db, 'r2', '20192', embedding);
    await putCase(db, gdCase('r1', '10001', 1));
    await putCase(db, gdCase('r1', '10001', 2));
    await putCase(db, gdCase('r2', '10001', 1));
    await putImages(db, [
      { localId: '20192', blob: new Blob(['x'], { type: 'image/jpeg' }), fileName: 'a.jpg' },
    ]);

    await deleteRun(db, 'r1');

    expect(await getRun(db, 'r1')).toBeUndefined();
    expect(await countCasesForRun(db, 'r1')).toBe(0);
    expect(await getRun(db, 'r2')).toBeDefined();
    expect(await countCasesForRun(db, 'r2')).toBe(1);
    expect(await getImageEmbeddingsForRun(db, 'r1')).toEqual([]);
    expect((await getImageEmbeddingsForRun(db, 'r2')).map((e) => e.localId)).toEqual(['20192']);
    expect(await listImageIds(db)).toEqual(['20192']);
  });
});

describe('image embeddings', () => {
  it('round-trips float32 vectors exactly, one per image and run, a later one replacing it', async () => {
    const db = await freshDb();
    const mean = new Float32Array([0.1, -2.5e-8, 3.4028234e38, 1 / 3]);
    await putImageEmbedding(db, 'r1', 'a', {
      mean,
      globalMean: new Float32Array([5, 6, 7, 8]),
      vectors: 832,
    });
    await putImageEmbedding(db, 'r1', 'b', { mean: new Float32Array(4), globalMean: null, vectors: 64 });
    await putImageEmbedding(db, 'r1', 'b', {
      mean: new Float32Array([9, 9, 9, 9]),
      globalMean: null,
      vectors: 64,
    });
    const byImage = await imageEmbeddingsOfRun(db, 'r1');
    expect([...byImage.keys()].sort()).toEqual(['a', 'b']);
    const a = byImage.get('a')!;
    expect(a.mean).toBeInstanceOf(Float32Array);
    expect(Array.from(a.mean)).toEqual(Array.from(mean));
    expect(Array.from(a.globalMean!)).toEqual([5, 6, 7, 8]);
    expect(a.vectors).toBe(832);
    expect(Array.from(byImage.get('b')!.mean)).toEqual([9, 9, 9, 9]);
    expect(await getImageEmbeddingsForRun(db, 'r2')).toEqual([]);
  });
});

describe('cases', () => {
  it('round-trips a case with its derived key', async () => {
    const db = await freshDb();
    const stored = await putCase(db, { ...gdCase('r1', '10001', 2), computedAt: 42 });
    expect(stored.key).toBe(caseKey('r1', 'GD', 'h1', '10001', 2));
    expect(await getCase(db, stored.key)).toEqual({
      ...gdCase('r1', '10001', 2),
      key: stored.key,
      computedAt: 42,
    });
    const [got] = await getCasesForRun(db, 'r1');
    expect(got?.probabilities).toEqual({ A: 0.7, B: 0.3 });
  });

  it('keeps optional per-method fields and overwrites the same case', async () => {
    const db = await freshDb();
    const ff: NewCase = {
      runId: 'r1',
      promptHash: 'hf',
      pairId: '10002',
      slot: 1,
      method: 'FF',
      answer: null,
      generatedText: 'It shows <b>nothing</b>',
      judge: { rawText: 'A: 2, B: 2', scores: null },
      ms: 100,
    };
    await putCase(db, ff);
    await putCase(db, { ...ff, answer: 'B' });
    const all = await getCasesForRun(db, 'r1');
    expect(all).toHaveLength(1);
    expect(all[0]?.answer).toBe('B');
    expect(all[0]?.judge).toEqual({ rawText: 'A: 2, B: 2', scores: null });
    expect(typeof all[0]?.computedAt).toBe('number');
  });

  it('accepts a key made with caseKey instead of a prompt hash, and rejects a mismatched key', async () => {
    const db = await freshDb();
    const { promptHash: _unused, ...record } = gdCase('r1', '10001', 1);
    const key = caseKey('r1', 'GD', 'h9', '10001', 1);
    const stored = await putCase(db, { ...record, key });
    expect(stored.key).toBe(key);
    expect(stored.promptHash).toBe('h9');
    expect((await getCase(db, key))?.answer).toBe('A');
    await expect(putCase(db, { ...record, key: caseKey('r1', 'GD', 'h9', '10001', 2) })).rejects.toThrow(
      /does not match/,
    );
  });

  it('parses keys made by caseKey and nothing else', () => {
    expect(parseCaseKey(caseKey('r', 'PS', 'h', 'p"1', 2))).toEqual({
      runId: 'r',
      method: 'PS',
      promptHash: 'h',
      pairId: 'p"1',
      slot: 2,
    });
    expect(parseCaseKey('r:GD:h:p:1')).toBeNull();
    expect(parseCaseKey('["r","GD","h","p",3]')).toBeNull();
  });

  it('counts cases per run', async () => {
    const db = await freshDb();
    await putCase(db, gdCase('r1', '1', 1));
    await putCase(db, gdCase('r1', '1', 2));
    await putCase(db, gdCase('r2', '1', 1));
    expect(await countCasesForRun(db, 'r1')).toBe(2);
    expect(await countCasesForRun(db, 'nope')).toBe(0);
  });
});

describe('images', () => {
  it('stores blobs in bulk with size and type, and deletes them', async () => {
    const db = await freshDb();
    const progress: number[] = [];
    const n = await putImages(
      db,
      [
        { localId: '1', blob: new Blob(['abc'], { type: 'image/png' }), fileName: 'one.png' },
        { localId: '2', blob: new Blob(['defg'], { type: 'image/jpeg' }), fileName: 'two.jpg' },
      ],
      (stored) => progress.push(stored),
    );
    expect(n).toBe(2);
    expect(progress).toEqual([1, 2]);
    expect((await listImageIds(db)).sort()).toEqual(['1', '2']);
    const one = await getImage(db, '1');
    expect(one).toMatchObject({ localId: '1', fileName: 'one.png', size: 3, type: 'image/png' });
    expect(await one?.blob.text()).toBe('abc');
    await deleteImage(db, '1');
    expect(await listImageIds(db)).toEqual(['2']);
    await clearImages(db);
    expect(await listImageIds(db)).toEqual([]);
  });
});

describe('datasets', () => {
  it('round-trips, lists newest first and deletes', async () => {
    const db = await freshDb();
    await putDataset(db, { hash: 'h1', name: 'mine', text: '{}', format: 'json', addedAt: 1 });
    await putDataset(db, { hash: 'h2', name: 'other', text: 'id,question', format: 'csv', addedAt: 2 });
    expect((await getDataset(db, 'h1'))?.name).toBe('mine');
    expect((await listDatasets(db)).map((d) => d.hash)).toEqual(['h2', 'h1']);
    await deleteDataset(db, 'h2');
    expect((await listDatasets(db)).map((d) => d.hash)).toEqual(['h1']);
  });
});

describe('quota errors', () => {
  function failPutsWithQuota() {
    return vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
  }

  it('maps QuotaExceededError to StorageFullError and keeps earlier cases', async () => {
    const db = await freshDb();
    await putCase(db, gdCase('r1', '1', 1));
    failPutsWithQuota();
    const failed = putCase(db, gdCase('r1', '1', 2));
    await expect(failed).rejects.toBeInstanceOf(StorageFullError);
    await expect(failed).rejects.toThrow(
      /storage is full.*case 1\/2 \(GD\).*Everything saved before is kept/i,
    );
    vi.restoreAllMocks();
    expect((await getCasesForRun(db, 'r1')).map((c) => c.slot)).toEqual([1]);
  });

  it('reports how many images were saved before storage ran out', async () => {
    const db = await freshDb();
    const realPut = IDBObjectStore.prototype.put;
    let calls = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (++calls > 1) throw new DOMException('full', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const blob = new Blob(['x']);
    const failed = putImages(db, [
      { localId: 'a', blob, fileName: 'a.jpg' },
      { localId: 'b', blob, fileName: 'b.jpg' },
    ]);
    await expect(failed).rejects.toThrow(StorageFullError);
    await expect(failed).rejects.toThrow(/image "b\.jpg" \(1 of 2 images were saved\)/);
    vi.restoreAllMocks();
    expect(await listImageIds(db)).toEqual(['a']);
  });

  it('recognises the standard and the old Firefox quota error names', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError(new DOMException('x', 'AbortError'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });

  it('maps quota errors for runs and datasets, and passes other errors through', async () => {
    const db = await freshDb();
    failPutsWithQuota();
    await expect(putRun(db, run('r1'))).rejects.toBeInstanceOf(StorageFullError);
    await expect(putDataset(db, { hash: 'h', name: 'n', text: '', format: 'json' })).rejects.toBeInstanceOf(
      StorageFullError,
    );
    vi.restoreAllMocks();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('nope', 'DataError');
    });
    const other = putRun(db, run('r2'));
    await expect(other).rejects.not.toBeInstanceOf(StorageFullError);
    await expect(other).rejects.toThrow('nope');
  });
});

describe('storage estimate and persistence', () => {
  it('returns null without a storage manager', async () => {
    expect(await estimateStorage(undefined)).toBeNull();
    expect(await requestPersistence(undefined)).toBe(false);
  });

  it('uses the storage manager when present', async () => {
    const storage = {
      estimate: async () => ({ usage: 10, quota: 100 }),
      persisted: async () => false,
      persist: vi.fn(async () => true),
    };
    expect(await estimateStorage(storage)).toEqual({ usage: 10, quota: 100 });
    expect(await requestPersistence(storage)).toBe(true);
    expect(storage.persist).toHaveBeenCalledOnce();
    expect(await requestPersistence({ ...storage, persisted: async () => true })).toBe(true);
  });
});
