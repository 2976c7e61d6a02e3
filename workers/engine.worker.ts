// The inference worker: transformers.js + onnxruntime-web behind a small typed comlink API.
// Loads one model at a time, scores batches of cases grouped by image, stores every finished case
// in IndexedDB before reporting it, and can be cancelled between forward passes.
import * as Comlink from 'comlink';
import { env, RawImage } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import type { CaseRecord, ConfusionPair } from '../src/core/types.ts';
import { caseKey, openBenchmarkDb, putCase, getImage } from '../src/db/database.ts';
import { classifyError, loadModel, type EngineHost, type LoadedModel } from './engine/loadModel.ts';
import { installNetworkGuard, leavesOrigin, networkGuard, type NetworkStats } from './engine/networkGuard.ts';
import { runCases, type ImageLoader, type ImageProblem, type RunSummary } from './engine/runner.ts';
import { newCounters, Scorer, type FreeFormOptions } from './engine/scorer.ts';
import { judgeFreeFormAnswer, loadJudge, type JudgeInfo, type LoadedJudge } from './engine/judge.ts';
import {
  EngineError,
  type CaseRequest,
  type LoadedModelInfo,
  type LoadOptions,
  type LoadProgress,
  type RunProgress,
  type ScoringMode,
  type ImageCondition,
} from './engine/types.ts';

// The wasm runtime ships with the app (never a CDN), so the page works offline.
env.backends.onnx.wasm!.wasmPaths = {
  wasm: new URL(ortWasmUrl, self.location.href).href,
  mjs: new URL(ortMjsUrl, self.location.href).href,
};
env.backends.onnx.wasm!.numThreads = self.crossOriginIsolated
  ? Math.min(4, navigator.hardwareConcurrency || 1)
  : 1;

// Offline mode and the network counter: every fetch of this worker goes through the guard, and
// the worker's own resource timing entries catch anything that is not a fetch.
installNetworkGuard();
const WORKER_ID = Math.random().toString(36).slice(2);
let foreignResourceEntries = 0;
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (leavesOrigin(entry.name)) foreignResourceEntries++;
  }).observe({ type: 'resource', buffered: true });
} catch {
  // No resource timing in this worker: the fetch guard still counts.
}

/** What the page's network counter shows for this worker. */
export interface WorkerNetworkStats extends NetworkStats {
  /** Changes when the worker is restarted (its counts start again from zero). */
  workerId: string;
}

export interface EnvironmentReport {
  webgpu: { available: boolean; shaderF16: boolean; adapter?: string; reason?: string };
  crossOriginIsolated: boolean;
  threads: number;
  userAgent: string;
}

export type ImageSourceSpec =
  { kind: 'indexeddb'; dbName: string } | { kind: 'url'; baseUrl: string; extensions?: string[] };

export interface RunRequest {
  pairs: ConfusionPair[];
  cases: CaseRequest[];
  mode: ScoringMode;
  /** 'blank' runs the blind baseline: every case shown one uniform mid-grey image. */
  imageCondition?: ImageCondition;
  /** FF settings: answer length (default 64 tokens) and the judge's score gap (default 3). */
  freeForm?: { maxNewTokens?: number; threshold?: number };
  images: ImageSourceSpec;
  /** When given, each record is stored under its case key before it is reported. */
  persist?: { dbName: string; runId: string; promptHashes: Record<string, string> };
}

export interface RunCallbacks {
  onProgress?(p: RunProgress): void;
  onRecord?(r: CaseRecord): void;
  onImageProblem?(p: ImageProblem): void;
}

/** Errors cross the worker boundary as plain data. */
export interface EngineFailure {
  kind: EngineError['kind'];
  message: string;
}

let loaded: LoadedModel | null = null;
let judge: LoadedJudge | null = null;

/** FF needs the judge; the scorer refuses FF cases (clearly) when none is loaded. */
function freeFormOptions(settings: RunRequest['freeForm']): FreeFormOptions {
  const current = judge;
  return {
    ...(settings?.maxNewTokens ? { maxNewTokens: settings.maxNewTokens } : {}),
    ...(current
      ? {
          judge: (pair, answerText) =>
            judgeFreeFormAnswer(current, pair, answerText, {
              ...(settings?.threshold !== undefined ? { threshold: settings.threshold } : {}),
            }),
        }
      : {}),
  };
}
let cancelRequested = false;
let deviceLostReason: string | null = null;

async function probeWebGpu(): Promise<EnvironmentReport['webgpu']> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu)
    return {
      available: false,
      shaderF16: false,
      reason: 'navigator.gpu is missing (browser without WebGPU)',
    };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, shaderF16: false, reason: 'no WebGPU adapter' };
    const info = adapter.info ?? {};
    return {
      available: true,
      shaderF16: adapter.features.has('shader-f16'),
      adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown',
    };
  } catch (e) {
    return { available: false, shaderF16: false, reason: (e as Error).message };
  }
}

interface GpuAdapterLike {
  features: Set<string>;
  info?: { vendor?: string; architecture?: string; description?: string };
}

const host: EngineHost = {
  probeWebGpu,
  libraryVersions: {
    '@huggingface/transformers': env.version,
    'onnxruntime-web': String(
      (env.backends.onnx as { versions?: { web?: string } }).versions?.web ?? 'unknown',
    ),
    userAgent: navigator.userAgent,
  },
};

function failure(e: unknown): never {
  const err = classifyError(e);
  if (deviceLostReason && err.kind !== 'cancelled')
    throw { kind: 'device-lost', message: `The GPU device was lost: ${deviceLostReason}` };
  throw { kind: err.kind, message: err.message } satisfies EngineFailure;
}

function imageLoader(spec: ImageSourceSpec): ImageLoader {
  if (spec.kind === 'indexeddb') {
    const dbPromise = openBenchmarkDb(spec.dbName);
    return async (localId) => {
      const stored = await getImage(await dbPromise, localId);
      return stored ? RawImage.fromBlob(stored.blob) : null;
    };
  }
  const extensions = spec.extensions ?? ['.jpg', '.png', '.jpeg'];
  return async (localId) => {
    for (const ext of extensions) {
      const res = await fetch(`${spec.baseUrl}${localId}${ext}`);
      // SPA servers answer unknown paths with the HTML page: that is a missing image too.
      if (res.status === 404 || res.headers.get('content-type')?.startsWith('text/html')) continue;
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return RawImage.fromBlob(await res.blob());
    }
    return null;
  };
}

const api = {
  async environment(): Promise<EnvironmentReport> {
    return {
      webgpu: await probeWebGpu(),
      crossOriginIsolated: self.crossOriginIsolated,
      threads: env.backends.onnx.wasm!.numThreads ?? 1,
      userAgent: navigator.userAgent,
    };
  },

  async load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    if (opts.offline !== undefined) networkGuard.setOffline(opts.offline);
    try {
      if (loaded) await loaded.model.dispose();
      loaded = null;
      deviceLostReason = null;
      loaded = await loadModel(opts, host, (p) => onProgress?.(p));
      if (loaded.info.device === 'webgpu') watchDevice();
      return loaded.info;
    } catch (e) {
      failure(e);
    }
  },

  /** The text-only model that judges FF answers; it lives beside the image-text model. */
  async loadJudge(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<JudgeInfo> {
    if (opts.offline !== undefined) networkGuard.setOffline(opts.offline);
    try {
      if (judge) await judge.model.dispose();
      judge = null;
      judge = await loadJudge(opts, host, (p) => onProgress?.(p));
      return judge.info;
    } catch (e) {
      failure(e);
    }
  },

  async run(request: RunRequest, callbacks: RunCallbacks = {}): Promise<RunSummary> {
    if (!loaded) throw { kind: 'internal', message: 'No model loaded' } satisfies EngineFailure;
    cancelRequested = false;
    const db = request.persist ? await openBenchmarkDb(request.persist.dbName) : null;
    const persist = request.persist;
    try {
      return await runCases(
        loaded,
        new Map(request.pairs.map((p) => [p.id, p])),
        request.cases,
        imageLoader(request.images),
        {
          mode: request.mode,
          imageCondition: request.imageCondition ?? 'real',
          isCancelled: () => cancelRequested || deviceLostReason !== null,
          onRecord: async (record) => {
            if (db && persist) {
              const promptHash = persist.promptHashes[record.method] ?? '';
              await putCase(db, {
                key: caseKey(persist.runId, record.method, promptHash, record.pairId, record.slot),
                runId: persist.runId,
                ...record,
                computedAt: Date.now(),
              });
            }
            callbacks.onRecord?.(record);
          },
          ...(callbacks.onProgress ? { onProgress: (p: RunProgress) => callbacks.onProgress!(p) } : {}),
          ...(callbacks.onImageProblem
            ? { onImageProblem: (p: ImageProblem) => callbacks.onImageProblem!(p) }
            : {}),
        },
        new Scorer(loaded, newCounters(), freeFormOptions(request.freeForm)),
      );
    } catch (e) {
      failure(e);
    } finally {
      db?.close();
    }
  },

  cancel(): void {
    cancelRequested = true;
  },

  async dispose(): Promise<void> {
    if (judge) await judge.model.dispose();
    judge = null;
    if (loaded) await loaded.model.dispose();
    loaded = null;
  },

  /** Foreign requests sent (the larger of the fetch guard's count and resource timing's) and refused. */
  networkStats(): WorkerNetworkStats {
    const { stats } = networkGuard;
    return { ...stats, sent: Math.max(stats.sent, foreignResourceEntries), workerId: WORKER_ID };
  },

  /** Offline mode: requests to other origins are refused before they leave. */
  setOffline(offline: boolean): void {
    networkGuard.setOffline(offline);
  },

  async memory(): Promise<{ jsHeapBytes: number | null; device: string | null }> {
    const mem = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    return { jsHeapBytes: mem?.usedJSHeapSize ?? null, device: loaded?.info.device ?? null };
  },
};

/** A lost GPU device stops the run at the next checkpoint; recovery needs a fresh worker. */
function watchDevice() {
  type Device = { lost?: Promise<{ message: string }> };
  const ortEnv = env.backends.onnx as { webgpu?: { device?: Device | Promise<Device> } };
  void Promise.resolve(ortEnv.webgpu?.device)
    .then((device) =>
      device?.lost?.then((info) => {
        deviceLostReason = info.message || 'unknown reason';
      }),
    )
    .catch(() => {});
}

export type EngineWorkerApi = typeof api;

Comlink.expose(api);

export { EngineError };
