// The run's vocabulary: where a model runs (device), in which number format (dtype), how it is
// scored (scoring mode), what it is shown (image condition), one case to compute, and what the
// engine reports back (progress, work counters, the scoring mode that actually ran and why).
// Pure types and constants, read by the engine, the stores, the database, the UI and the CLI.
import type { ImageSlot, Method } from '../types.ts';

export type Device = 'webgpu' | 'wasm' | 'cpu';
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

export const ALL_DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];

/** Preference when the caller leaves dtype open (engine) or a folder lacks the default (UI). */
export const DTYPE_PREFERENCE: Readonly<Record<Device, readonly Dtype[]>> = {
  webgpu: ['fp16', 'q4f16', 'fp32', 'q8', 'q4'],
  wasm: ['q8', 'fp32', 'q4', 'fp16', 'q4f16'],
  cpu: ['fp32', 'q8', 'fp16', 'q4', 'q4f16'],
};

/**
 * 'cached': the image prefix is prefilled once per image and reused by every question and method;
 * 'full': the official code's way, one full forward pass per prompt (the reference).
 */
export type ScoringMode = 'cached' | 'full';

/** What the model is shown: the pair's own image, or a blank one (the blind baseline). */
export type ImageCondition = 'real' | 'blank';

/** One answer to compute: a pair's question on one of its two images, by one method. */
export interface CaseRequest {
  pairId: string;
  slot: ImageSlot;
  method: Method;
}

export interface WorkCounters {
  /** Vision-encoder calls (one per image when its crops go in one call). */
  visionEncoderRuns: number;
  /** Crops (every view, the global one included: ImageTokenCount.crops) the vision encoder encoded, counted from its outputs. */
  cropsEncoded: number;
  /** Wall time inside vision-encoder calls, ms (reported by the bench; never asserted). */
  visionEncoderMs: number;
  /** Wall time reading image embeddings (the model's own similarity) off encoder outputs, ms (bench only). */
  imageEmbeddingMs: number;
  decoderCalls: number;
  tokensPrefilled: number;
  tokensDecoded: number;
  imagesPreprocessed: number;
}

export function newCounters(): WorkCounters {
  return {
    visionEncoderRuns: 0,
    cropsEncoded: 0,
    visionEncoderMs: 0,
    imageEmbeddingMs: 0,
    decoderCalls: 0,
    tokensPrefilled: 0,
    tokensDecoded: 0,
    imagesPreprocessed: 0,
  };
}

export interface RunProgress {
  done: number;
  total: number;
  pairId: string;
  slot: ImageSlot;
  elapsedMs: number;
  counters: WorkCounters;
}

/**
 * The scoring mode a run asked for and the one that actually ran. They differ when a family cannot
 * reuse the image prefix, or when its self-check on the first image disagreed with full
 * recomputation; the run card (app and CLI) records all of it.
 */
export interface ScoringReport {
  modeRequested: ScoringMode;
  modeUsed: ScoringMode;
  /** Why modeUsed differs from modeRequested. */
  modeReason?: string;
  /** For families whose prefix cache is not proven: the first image scored both ways. */
  cacheCheck?: CacheCheckReport;
}

/** The self-check's outcome as recorded (core/run/cacheCheck decides it). */
export interface CacheCheckReport {
  passed: boolean;
  maxProbDiff: number;
  cases: number;
  /** The max |Δp| allowed and the dtype whose tolerance it is (absent in runs recorded before it). */
  tolerance?: number;
  toleranceDtype?: string;
  /** Whether decisions and generated text had to be identical. */
  exactDecisions?: boolean;
}

/** The scoring report inside a larger outcome, as the run card keeps it (app and CLI alike). */
export function scoringReport(outcome: ScoringReport): ScoringReport {
  return {
    modeRequested: outcome.modeRequested,
    modeUsed: outcome.modeUsed,
    ...(outcome.modeReason ? { modeReason: outcome.modeReason } : {}),
    ...(outcome.cacheCheck ? { cacheCheck: outcome.cacheCheck } : {}),
  };
}
