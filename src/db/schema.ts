// The IndexedDB schema: store names, indexes and the versioned migrations (the run and case
// records themselves, and the case key, are defined in src/core/run/records.ts).
// Every change to stores or indexes happens here, as a new step in `migrate`, so a browser holding
// any older version upgrades step by step and no stored run is lost.
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { RunRecord, StoredCase, StoredImageEmbedding } from '../core/run/records.ts';

export type {
  ImageEmbedding,
  RunRecord,
  RunStatus,
  StoredCase,
  StoredImageEmbedding,
} from '../core/run/records.ts';
export { caseKey, imageEmbeddingKey, parseCaseKey } from '../core/run/records.ts';

export const DEFAULT_DB_NAME = 'mediconfusion';

/** Bump by one and add a `case` to `migrate` for every schema change. */
export const DB_VERSION = 2;

/** A user-supplied image, keyed by the dataset's local image id (`im_1_local` / `im_2_local`). */
export interface ImageRecord {
  localId: string;
  blob: Blob;
  fileName: string;
  size: number;
  type: string;
  addedAt: number;
}

/** A user-supplied dataset, kept as its original text so it re-parses exactly as first loaded. */
export interface DatasetRecord {
  /** core/dataset datasetHash of the parsed pairs. */
  hash: string;
  name: string;
  text: string;
  format: 'json' | 'csv';
  addedAt: number;
}

export interface BenchmarkSchema extends DBSchema {
  runs: { key: string; value: RunRecord };
  cases: { key: string; value: StoredCase; indexes: { byRun: string } };
  images: { key: string; value: ImageRecord };
  datasets: { key: string; value: DatasetRecord };
  /** Version 2: the model's own embedding of each image a run encoded (core/results/modelSimilarity). */
  imageEmbeddings: { key: string; value: StoredImageEmbedding; indexes: { byRun: string } };
}

export type BenchmarkDb = IDBPDatabase<BenchmarkSchema>;
export type BenchmarkStoreName = StoreNames<BenchmarkSchema>;

/**
 * Runs inside idb's `upgrade` callback. Each step moves the database from version `v` to `v + 1`;
 * looping from `oldVersion` applies exactly the steps a given browser is missing.
 */
export function migrate(
  db: BenchmarkDb,
  oldVersion: number,
  newVersion: number,
  _tx: IDBPTransaction<BenchmarkSchema, BenchmarkStoreName[], 'versionchange'>,
): void {
  for (let v = oldVersion; v < newVersion; v++) {
    switch (v) {
      case 0: {
        db.createObjectStore('runs', { keyPath: 'id' });
        const cases = db.createObjectStore('cases', { keyPath: 'key' });
        cases.createIndex('byRun', 'runId');
        db.createObjectStore('images', { keyPath: 'localId' });
        db.createObjectStore('datasets', { keyPath: 'hash' });
        break;
      }
      case 1: {
        // New store only: every run and case of version 1 stays as it was.
        const embeddings = db.createObjectStore('imageEmbeddings', { keyPath: 'key' });
        embeddings.createIndex('byRun', 'runId');
        break;
      }
      // Next schema change: `case 2: { ... break; }` (uses `_tx` to rewrite existing records).
      default:
        throw new Error(`No migration from database version ${v} to ${v + 1}`);
    }
  }
}
