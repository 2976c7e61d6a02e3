// The IndexedDB schema: record types, store names, case keys and the versioned migrations.
// Every change to stores or indexes happens here, as a new step in `migrate`, so a browser holding
// any older version upgrades step by step and no stored run is lost.
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { CaseRecord, ImageSlot, Method } from '../core/types.ts';
import type { Device, Dtype } from '../../workers/engine/types.ts';

export const DEFAULT_DB_NAME = 'mediconfusion';

/** Bump by one and add a `case` to `migrate` for every schema change. */
export const DB_VERSION = 1;

export type RunStatus = 'running' | 'paused' | 'complete' | 'cancelled' | 'failed';

/** One evaluation run: what was asked of which model, and how far it got. */
export interface RunRecord {
  id: string;
  label: string;
  /** core/dataset datasetHash: the exact question set the run answers. */
  datasetHash: string;
  datasetName: string;
  model: { sourceKind: 'hub' | 'path' | 'files'; modelId: string; revision: string };
  device: Device;
  dtype: Dtype;
  methods: string[];
  /** Prompt template hash per method, so results from different prompts never mix. */
  promptHashes: Record<string, string>;
  engineVersion: string;
  status: RunStatus;
  createdAt: number;
  updatedAt: number;
  /** Free-form provenance (library versions, fallbacks, settings) exported with the results. */
  runCard: Record<string, unknown>;
  /** True for runs read from a result file rather than computed here. */
  imported: boolean;
  /** 'blank' for a blind-baseline run (every case shown a blank image; runCard.blindOf = main run). */
  imageCondition?: 'blank';
}

/** One computed case as stored: the core record plus where it belongs and what it cost. */
export type StoredCase = CaseRecord & {
  /** caseKey(runId, method, promptHash, pairId, slot). */
  key: string;
  runId: string;
  /** The prompt template hash the case was computed with (also inside `key`). */
  promptHash?: string;
  /** Epoch milliseconds when the case finished. */
  computedAt: number;
  /** Wall-clock milliseconds spent computing it, when measured. */
  ms?: number;
};

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
}

export type BenchmarkDb = IDBPDatabase<BenchmarkSchema>;
export type BenchmarkStoreName = StoreNames<BenchmarkSchema>;

/**
 * The primary key of a stored case. A JSON array rather than a joined string, so no id containing a
 * separator character can make two different cases collide.
 */
export function caseKey(
  runId: string,
  method: Method | string,
  promptHash: string,
  pairId: string,
  slot: ImageSlot,
): string {
  return JSON.stringify([runId, method, promptHash, pairId, slot]);
}

/** The parts of a key made by caseKey, or null for any other string. */
export function parseCaseKey(
  key: string,
): { runId: string; method: string; promptHash: string; pairId: string; slot: ImageSlot } | null {
  let parts: unknown;
  try {
    parts = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || parts.length !== 5) return null;
  const [runId, method, promptHash, pairId, slot] = parts as unknown[];
  if (
    typeof runId !== 'string' ||
    typeof method !== 'string' ||
    typeof promptHash !== 'string' ||
    typeof pairId !== 'string' ||
    (slot !== 1 && slot !== 2)
  ) {
    return null;
  }
  return { runId, method, promptHash, pairId, slot };
}

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
      // Next schema change: `case 1: { ... break; }` (uses `_tx` to rewrite existing records).
      default:
        throw new Error(`No migration from database version ${v} to ${v + 1}`);
    }
  }
}
