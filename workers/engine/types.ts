// The engine's public vocabulary: what a caller asks for (model, cases) and what it gets back
// (progress, per-case records, work counters). Shared by the worker, the CLI and the app's store.
import type { CaseRecord, ImageSlot, Method } from '../../src/core/types.ts';

import type { Device, Dtype } from '../../src/core/run/vocabulary.ts';
export type { Device, Dtype } from '../../src/core/run/vocabulary.ts';
export { ALL_DTYPES, DTYPE_PREFERENCE } from '../../src/core/run/vocabulary.ts';

/** Where a model's files come from. */
export type ModelSource =
  | { kind: 'hub'; repoId: string; revision?: string; remoteHost?: string }
  /** A folder served over HTTP or present on disk (Node), in the hub repo layout. */
  | { kind: 'path'; path: string }
  /** Files the user picked (directory picker / drop): relative path → contents. */
  | { kind: 'files'; name: string; files: Map<string, Blob> };

export interface LoadOptions {
  source: ModelSource;
  device: Device;
  dtype?: Dtype;
  /** Try wasm when WebGPU is unavailable or fails to create sessions. */
  fallbackToWasm?: boolean;
  /** Browser Cache Storage for downloaded files (ignored in Node). */
  useBrowserCache?: boolean;
  /** Forbid any network access (offline mode). */
  offline?: boolean;
}

export type LoadProgress =
  | { phase: 'checking'; message: string }
  | {
      phase: 'download';
      file: string;
      loaded: number;
      total: number;
      files: Record<string, { loaded: number; total: number }>;
      filesDone: number;
      filesTotal: number;
    }
  | { phase: 'sessions'; message: string }
  | { phase: 'ready' };

export interface LoadedModelInfo {
  modelId: string;
  revision: string;
  family: string;
  architecture: string;
  device: Device;
  dtype: Dtype;
  /** Why the requested device was not used, when it was not. */
  fallbackReason?: string;
  files: string[];
  imageTokenCount: number;
  vocabSize: number;
  libraryVersions: Record<string, string>;
}

/** One answer to compute: a pair's question on one of its two images, by one method. */
export interface CaseRequest {
  pairId: string;
  slot: ImageSlot;
  method: Method;
}

export interface WorkCounters {
  visionEncoderRuns: number;
  decoderCalls: number;
  tokensPrefilled: number;
  tokensDecoded: number;
  imagesPreprocessed: number;
}

export interface RunProgress {
  done: number;
  total: number;
  pairId: string;
  slot: ImageSlot;
  elapsedMs: number;
  counters: WorkCounters;
}

export type ScoringMode = 'cached' | 'full';

/** What the model is shown: the pair's own image, or a blank one (the blind baseline). */
export type ImageCondition = 'real' | 'blank';

export type EngineErrorKind =
  | 'missing-files'
  | 'unsupported-architecture'
  | 'network'
  | 'webgpu-unavailable'
  | 'device-lost'
  | 'out-of-memory'
  | 'image'
  | 'cancelled'
  | 'internal';

/** Errors cross the worker boundary as plain data, so classify them here. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export type { CaseRecord };
