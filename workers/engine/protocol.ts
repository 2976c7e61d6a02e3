// The worker's message protocol, in one file: what the app (src/state) and the CLI may ask of the
// engine and what comes back. Everything here is plain data that survives structured cloning;
// errors cross as EngineFailure (errors.ts). The worker (workers/engine.worker.ts) implements
// EngineWorkerApi; src/state/engineClient.ts wraps it with comlink.
import type { FloorReport } from './floor.ts';
import type { CaseRecord, ConfusionPair, Letter } from '../../src/core/types.ts';
import type { LetterRule } from '../../src/core/run/letterRules.ts';
import type { ImageGroup } from '../../src/core/run/plan.ts';
import type {
  CaseRequest,
  Device,
  ImageCondition,
  RunProgress,
  ScoringMode,
  ScoringReport,
  WorkCounters,
} from '../../src/core/run/vocabulary.ts';
import type { NetworkStats } from './networkGuard.ts';
import type { DtypeChoice } from '../../src/core/run/dtypes.ts';
import type {
  ImageViewCount,
  ModelPreprocessing,
  PreprocessingChoice,
  RunPreprocessing,
} from '../../src/core/run/preprocessing.ts';

export type { EngineFailure, EngineErrorKind } from './errors.ts';

// ---------------------------------------------------------------------------------------------
// Loading

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
  /** One dtype, or one per ONNX file; absent: the repo's declared transformers.js_config.dtype, else the best complete set. */
  dtype?: DtypeChoice;
  /** `dtype` is only the page's default: a dtype the repo declares wins over it. */
  dtypeIsDefault?: boolean;
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
  /** The dtype, or "file=dtype,…" for a per-file mix (core/run/dtypes dtypeLabel). */
  dtype: string;
  /** True when the dtype is the one the repo declares in transformers.js_config. */
  dtypeDeclared?: boolean;
  /** Why the requested device was not used, when it was not. */
  fallbackReason?: string;
  files: string[];
  /** Image tokens per view where the processor fixes it; 0 where it follows the image's size. */
  imageTokenCount: number;
  /** The image processor's settings as the repo gives them, and with single view where it splits. */
  preprocessing?: ModelPreprocessing;
  vocabSize: number;
  /** Every single-token spelling of each letter the tokenizer has (GD's letter rules), by token id. */
  letterSpellings?: Record<Letter, { tokenId: number; text: string }[]>;
  libraryVersions: Record<string, string>;
}

/** The FF judge as loaded (a text-only instruct model). */
export interface JudgeInfo {
  modelId: string;
  revision: string;
  architecture: string;
  device: Device;
  /** The dtype, or "file=dtype,…" for a per-file mix. */
  dtype: string;
  /** Why the requested device was not used, when it was not. */
  fallbackReason?: string;
  files: string[];
  vocabSize: number;
  libraryVersions: Record<string, string>;
}

export interface EnvironmentReport {
  webgpu: { available: boolean; shaderF16: boolean; adapter?: string; reason?: string };
  crossOriginIsolated: boolean;
  threads: number;
  userAgent: string;
}

// ---------------------------------------------------------------------------------------------
// Running

export type ImageSourceSpec =
  { kind: 'indexeddb'; dbName: string } | { kind: 'url'; baseUrl: string; extensions?: string[] };

export interface RunRequest {
  /** The pairs the plan's cases belong to (their questions and options). */
  pairs: ConfusionPair[];
  /** core/run/plan: the cases to compute, grouped by image, in order. */
  plan: ImageGroup[];
  mode: ScoringMode;
  /** 'blank' runs the blind baseline: every case shown one uniform mid-grey image. */
  imageCondition?: ImageCondition;
  /** FF settings: answer length (default 64 tokens) and the judge's score gap (default 3). */
  freeForm?: { maxNewTokens?: number; threshold?: number };
  /** 'single-view': image splitting off for this run (default: the model's own preprocessing). */
  preprocessing?: PreprocessingChoice;
  /** Which tokens GD reads as the letters (core/run/letterRules); absent: the official rule. */
  letterRule?: LetterRule;
  /** Where the images come from (the plan names them by local id). */
  images: ImageSourceSpec;
  /** When given, each record is stored under its case key before it is reported. */
  persist?: { dbName: string; runId: string; promptHashes: Record<string, string> };
}

/** An image whose cases could not run; they are reported as not run, never as wrong. */
export interface ImageProblem {
  localId: string;
  reason: 'missing' | 'unreadable';
  message: string;
  cases: CaseRequest[];
}

export interface RunCallbacks {
  onProgress?(p: RunProgress): void;
  onRecord?(r: CaseRecord): void;
  onImageProblem?(p: ImageProblem): void;
}

/** What one engine run came to, including the scoring mode that actually ran and why. */
export interface RunOutcome extends ScoringReport {
  done: number;
  total: number;
  notRun: ImageProblem[];
  cancelled: boolean;
  elapsedMs: number;
  counters: WorkCounters;
  /** The preprocessing the run used, as read from the image processor while it ran. */
  preprocessing?: RunPreprocessing;
  /** Image tokens and views measured per image (local id → count; core/run/preprocessing imageViewRange). */
  imageViews?: Record<string, ImageViewCount>;
  /** Image embeddings handed on (RunOptions.onImageEmbedding; stored with the run when persisted). */
  imageEmbeddings?: number;
}

// ---------------------------------------------------------------------------------------------
// Network

/** What the page's network counter shows for this worker. */
export interface WorkerNetworkStats extends NetworkStats {
  /** Changes when the worker is restarted (its counts start again from zero). */
  workerId: string;
}

export interface EngineWorkerApi {
  environment(): Promise<EnvironmentReport>;
  load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo>;
  /** The text-only model that judges FF answers; it lives beside the image-text model. */
  loadJudge(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<JudgeInfo>;
  run(request: RunRequest, callbacks?: RunCallbacks): Promise<RunOutcome>;
  /** The speed benchmark's floor for a plan (engine/floor.ts): nothing is scored or stored. */
  measureFloor(request: RunRequest): Promise<FloorReport>;
  cancel(): void;
  dispose(): Promise<void>;
  /** Foreign requests sent (the larger of the fetch guard's count and resource timing's) and refused. */
  networkStats(): WorkerNetworkStats;
  /** Offline mode: requests to other origins are refused before they leave. */
  setOffline(offline: boolean): void;
  memory(): Promise<{ jsHeapBytes: number | null; device: string | null }>;
}
