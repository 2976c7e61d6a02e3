// The run's records as stored: the run itself (RunRecord), each computed case (StoredCase), and
// THE case key, made and parsed here only. The database stores these; the stores, the results
// model and the UI read them. Pure types and functions.
import type { CaseRecord, ImageSlot, Method } from '../types.ts';
import type { LetterRule } from './letterRules.ts';
import type { Device } from './vocabulary.ts';

export type RunStatus = 'running' | 'paused' | 'complete' | 'cancelled' | 'failed';

/** One evaluation run: what was asked of which model, and how far it got. */
export interface RunRecord {
  id: string;
  label: string;
  /** The user's short name for the run (core/run/runName.ts gives the default). */
  name?: string;
  /** core/dataset datasetHash: the exact question set the run answers. */
  datasetHash: string;
  datasetName: string;
  model: { sourceKind: 'hub' | 'path' | 'files'; modelId: string; revision: string };
  device: Device;
  /** The dtype, or "file=dtype,…" for a per-file mix. */
  dtype: string;
  methods: string[];
  /** Prompt template hash per method, so results from different prompts never mix. */
  promptHashes: Record<string, string>;
  engineVersion: string;
  status: RunStatus;
  createdAt: number;
  updatedAt: number;
  /**
   * Provenance exported with the results: library versions, fallbacks, settings, and `scoring`
   * (core/run/vocabulary ScoringReport: the scoring mode that actually ran, and why).
   */
  runCard: Record<string, unknown>;
  /** True for runs read from a result file rather than computed here. */
  imported: boolean;
  /** 'blank' for a blind-baseline run (every case shown a blank image; runCard.blindOf = main run). */
  imageCondition?: 'blank';
  /** GD's letter rule when it is not the official one (absent: official, or unknown for an import that does not say). */
  letterRule?: LetterRule;
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

/** What a case key is made of. */
export interface CaseKeyParts {
  runId: string;
  method: Method | string;
  promptHash: string;
  pairId: string;
  slot: ImageSlot;
}

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

/** The case key of a record of the run whose prompt hashes are given. */
export function caseKeyOf(
  runId: string,
  promptHashes: Readonly<Record<string, string>>,
  record: Pick<CaseRecord, 'method' | 'pairId' | 'slot'>,
): string {
  return caseKey(runId, record.method, promptHashes[record.method] ?? '', record.pairId, record.slot);
}

/** The parts of a key made by caseKey, or null for any other string. */
export function parseCaseKey(key: string): (CaseKeyParts & { method: string }) | null {
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
 * One image as the model under test sees it (core/results/modelSimilarity): the mean of the
 * feature vectors its vision encoder (after the projector) gives the language model, taken from
 * the run's own encode of the image.
 */
export interface ImageEmbedding {
  /** Mean over every feature vector of every view (float32). */
  mean: Float32Array;
  /** Mean over the global view's vectors, where the family has one and the image was split. */
  globalMean: Float32Array | null;
  /** Feature vectors averaged into `mean`. */
  vectors: number;
}

/** An image embedding as stored with its run (one per image and run). */
export type StoredImageEmbedding = ImageEmbedding & {
  /** imageEmbeddingKey(runId, localId). */
  key: string;
  runId: string;
  localId: string;
  computedAt: number;
};

/** The primary key of a stored image embedding (a JSON array, like caseKey). */
export function imageEmbeddingKey(runId: string, localId: string): string {
  return JSON.stringify([runId, localId]);
}
