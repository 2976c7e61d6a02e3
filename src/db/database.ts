// Opening the benchmark database and every read/write on it (typed repository functions).
// Only src/state calls these; components never touch IndexedDB. Writes use one transaction per
// item, so a crash or a full disk loses at most the item in flight, never what was saved before.
import { openDB, type IDBPTransaction } from 'idb';
import type { CaseRecord } from '../core/types.ts';
import {
  DB_VERSION,
  DEFAULT_DB_NAME,
  caseKey,
  migrate,
  parseCaseKey,
  type BenchmarkDb,
  type BenchmarkSchema,
  type BenchmarkStoreName,
  type DatasetRecord,
  imageEmbeddingKey,
  type ImageEmbedding,
  type ImageRecord,
  type RunRecord,
  type StoredCase,
  type StoredImageEmbedding,
} from './schema.ts';

export * from './schema.ts';

/** The browser refused a write because its storage quota is used up. */
export class StorageFullError extends Error {
  constructor(what: string, cause?: unknown) {
    super(
      `Browser storage is full: could not save ${what}. Everything saved before is kept. ` +
        'Free space by deleting old runs or images, or allow this site persistent storage.',
      { cause },
    );
    this.name = 'StorageFullError';
  }
}

// Firefox reported quota errors under its own name before it adopted the standard one.
const QUOTA_ERROR_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

export function isQuotaError(e: unknown): boolean {
  return (
    typeof e === 'object' && e !== null && QUOTA_ERROR_NAMES.has((e as { name?: unknown }).name as string)
  );
}

/** Opens (creating or upgrading as needed) the benchmark database. */
export function openBenchmarkDb(name: string = DEFAULT_DB_NAME): Promise<BenchmarkDb> {
  return openDB<BenchmarkSchema>(name, DB_VERSION, {
    upgrade: (db, oldVersion, newVersion, tx) => migrate(db, oldVersion, newVersion ?? DB_VERSION, tx),
    // Another tab wants a newer schema: step aside instead of blocking its upgrade forever.
    blocking: (_current, _next, event) => (event.target as IDBDatabase | null)?.close(),
  });
}

let shared: Promise<BenchmarkDb> | null = null;

/** The app's single connection, opened on first use. A failed open is retried on the next call. */
export function sharedDb(): Promise<BenchmarkDb> {
  if (!shared) {
    shared = openBenchmarkDb().then(
      (db) => {
        // The connection closes itself for another tab's upgrade; reopen (and upgrade) next time.
        db.addEventListener('versionchange', () => {
          shared = null;
        });
        return db;
      },
      (e: unknown) => {
        shared = null;
        throw e;
      },
    );
  }
  return shared;
}

/** Runs `body` in one readwrite transaction; a quota failure becomes StorageFullError. */
async function write<Names extends BenchmarkStoreName, T>(
  db: BenchmarkDb,
  stores: Names[],
  what: string,
  body: (tx: IDBPTransaction<BenchmarkSchema, Names[], 'readwrite'>) => Promise<T>,
): Promise<T> {
  let tx: IDBPTransaction<BenchmarkSchema, Names[], 'readwrite'> | undefined;
  try {
    tx = db.transaction(stores, 'readwrite');
    // Observed below; without this an aborted transaction would also raise an unhandled rejection.
    tx.done.catch(() => undefined);
    const result = await body(tx);
    await tx.done;
    return result;
  } catch (e) {
    // A request can fail with AbortError while the transaction carries the real cause.
    const txError = tx?.error ?? null;
    try {
      tx?.abort();
    } catch {
      // already finished or aborted
    }
    if (isQuotaError(e) || isQuotaError(txError)) throw new StorageFullError(what, e);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Runs

export async function putRun(db: BenchmarkDb, run: RunRecord): Promise<void> {
  await write(db, ['runs'], `run "${run.label}"`, (tx) => tx.objectStore('runs').put(run));
}

export function getRun(db: BenchmarkDb, id: string): Promise<RunRecord | undefined> {
  return db.get('runs', id);
}

/** All runs, newest first. */
export async function listRuns(db: BenchmarkDb): Promise<RunRecord[]> {
  const runs = await db.getAll('runs');
  return runs.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
}

/** Deletes a run, its cases and its image embeddings in one transaction (all or nothing). Images are kept. */
export async function deleteRun(db: BenchmarkDb, id: string): Promise<void> {
  await write(db, ['runs', 'cases', 'imageEmbeddings'], `the deletion of run ${id}`, async (tx) => {
    const cases = tx.objectStore('cases');
    const embeddings = tx.objectStore('imageEmbeddings');
    const keys = await cases.index('byRun').getAllKeys(id);
    const embeddingKeys = await embeddings.index('byRun').getAllKeys(id);
    await Promise.all([
      tx.objectStore('runs').delete(id),
      ...keys.map((k) => cases.delete(k)),
      ...embeddingKeys.map((k) => embeddings.delete(k)),
    ]);
  });
}

// ---------------------------------------------------------------------------------------------
// Cases

/**
 * What a caller supplies for a case: the record, its run, and either the prompt hash (the key is
 * then derived) or a key already made with caseKey. computedAt defaults to now.
 */
export type NewCase = CaseRecord & { runId: string; computedAt?: number; ms?: number } & (
    { key: string; promptHash?: string } | { key?: undefined; promptHash: string }
  );

/** Stores one case in its own transaction, so a crash loses at most the case in flight. */
export async function putCase(db: BenchmarkDb, input: NewCase): Promise<StoredCase> {
  const { key: givenKey, promptHash: givenHash, computedAt, ...rest } = input;
  let key: string;
  let promptHash: string | undefined;
  if (givenKey === undefined) {
    promptHash = givenHash as string;
    key = caseKey(input.runId, input.method, promptHash, input.pairId, input.slot);
  } else {
    const parts = parseCaseKey(givenKey);
    promptHash = givenHash ?? parts?.promptHash;
    // A key that disagrees with its own record would file the case under another case's slot.
    if (
      parts &&
      (parts.runId !== input.runId ||
        parts.method !== input.method ||
        parts.pairId !== input.pairId ||
        parts.slot !== input.slot ||
        (givenHash !== undefined && parts.promptHash !== givenHash))
    ) {
      throw new Error(`Case key ${givenKey} does not match its record`);
    }
    key = givenKey;
  }
  const stored: StoredCase = { ...rest, key, computedAt: computedAt ?? Date.now() };
  if (promptHash !== undefined) stored.promptHash = promptHash;
  await write(db, ['cases'], `case ${stored.pairId}/${stored.slot} (${stored.method})`, (tx) =>
    tx.objectStore('cases').put(stored),
  );
  return stored;
}

export function getCase(db: BenchmarkDb, key: string): Promise<StoredCase | undefined> {
  return db.get('cases', key);
}

export function getCasesForRun(db: BenchmarkDb, runId: string): Promise<StoredCase[]> {
  return db.getAllFromIndex('cases', 'byRun', runId);
}

export function countCasesForRun(db: BenchmarkDb, runId: string): Promise<number> {
  return db.countFromIndex('cases', 'byRun', runId);
}

// ---------------------------------------------------------------------------------------------
// Image embeddings (the model's own view of each image a run encoded)

/** Stores one image's embedding for a run in its own transaction; a later one replaces it. */
export async function putImageEmbedding(
  db: BenchmarkDb,
  runId: string,
  localId: string,
  embedding: ImageEmbedding,
): Promise<StoredImageEmbedding> {
  const stored: StoredImageEmbedding = {
    key: imageEmbeddingKey(runId, localId),
    runId,
    localId,
    mean: embedding.mean,
    globalMean: embedding.globalMean,
    vectors: embedding.vectors,
    computedAt: Date.now(),
  };
  await write(db, ['imageEmbeddings'], `the embedding of image ${localId}`, (tx) =>
    tx.objectStore('imageEmbeddings').put(stored),
  );
  return stored;
}

export function getImageEmbeddingsForRun(db: BenchmarkDb, runId: string): Promise<StoredImageEmbedding[]> {
  return db.getAllFromIndex('imageEmbeddings', 'byRun', runId);
}

/** A run's embeddings by local image id (the shape core/results/modelSimilarity reads). */
export async function imageEmbeddingsOfRun(
  db: BenchmarkDb,
  runId: string,
): Promise<Map<string, StoredImageEmbedding>> {
  const all = await getImageEmbeddingsForRun(db, runId);
  return new Map(all.map((e) => [e.localId, e]));
}

// ---------------------------------------------------------------------------------------------
// Images

export interface NewImage {
  localId: string;
  blob: Blob;
  fileName: string;
}

/**
 * Stores images one transaction each, so images saved before a failure stay saved.
 * Resolves with the number stored; a full disk rejects with StorageFullError saying how far it got.
 */
export async function putImages(
  db: BenchmarkDb,
  images: readonly NewImage[],
  onProgress?: (stored: number, total: number) => void,
): Promise<number> {
  let stored = 0;
  for (const image of images) {
    const record: ImageRecord = {
      localId: image.localId,
      blob: image.blob,
      fileName: image.fileName,
      size: image.blob.size,
      type: image.blob.type,
      addedAt: Date.now(),
    };
    await write(
      db,
      ['images'],
      `image "${image.fileName}" (${stored} of ${images.length} images were saved)`,
      (tx) => tx.objectStore('images').put(record),
    );
    stored++;
    onProgress?.(stored, images.length);
  }
  return stored;
}

export async function listImageIds(db: BenchmarkDb): Promise<string[]> {
  return db.getAllKeys('images');
}

export function getImage(db: BenchmarkDb, localId: string): Promise<ImageRecord | undefined> {
  return db.get('images', localId);
}

export function deleteImage(db: BenchmarkDb, localId: string): Promise<void> {
  return db.delete('images', localId);
}

export function clearImages(db: BenchmarkDb): Promise<void> {
  return db.clear('images');
}

// ---------------------------------------------------------------------------------------------
// User datasets

export type NewDataset = Omit<DatasetRecord, 'addedAt'> & { addedAt?: number };

export async function putDataset(db: BenchmarkDb, input: NewDataset): Promise<DatasetRecord> {
  const record: DatasetRecord = { ...input, addedAt: input.addedAt ?? Date.now() };
  await write(db, ['datasets'], `dataset "${record.name}"`, (tx) => tx.objectStore('datasets').put(record));
  return record;
}

export function getDataset(db: BenchmarkDb, hash: string): Promise<DatasetRecord | undefined> {
  return db.get('datasets', hash);
}

/** All saved user datasets, newest first. */
export async function listDatasets(db: BenchmarkDb): Promise<DatasetRecord[]> {
  const all = await db.getAll('datasets');
  return all.sort((a, b) => b.addedAt - a.addedAt || a.hash.localeCompare(b.hash));
}

export function deleteDataset(db: BenchmarkDb, hash: string): Promise<void> {
  return db.delete('datasets', hash);
}

// ---------------------------------------------------------------------------------------------
// Storage quota

export interface StorageEstimateInfo {
  usage: number;
  quota: number;
}

type StorageLike = Pick<StorageManager, 'estimate'> & Partial<Pick<StorageManager, 'persist' | 'persisted'>>;

function browserStorage(): StorageLike | undefined {
  return typeof navigator !== 'undefined' ? navigator.storage : undefined;
}

/** Bytes used and available to this origin, or null where the browser cannot tell. */
export async function estimateStorage(
  storage: StorageLike | undefined = browserStorage(),
): Promise<StorageEstimateInfo | null> {
  if (!storage?.estimate) return null;
  const { usage, quota } = await storage.estimate();
  if (usage === undefined || quota === undefined) return null;
  return { usage, quota };
}

/**
 * Asks the browser not to evict this origin's data under storage pressure (results of long runs).
 * Resolves true when storage is (now) persistent.
 */
export async function requestPersistence(
  storage: StorageLike | undefined = browserStorage(),
): Promise<boolean> {
  if (!storage?.persist) return false;
  if (storage.persisted && (await storage.persisted())) return true;
  return storage.persist();
}
