// The app's single connection to the inference worker (comlink), its restart after a lost GPU
// device or a crash, the mapping of the worker's plain-data failures to readable errors, and the
// rate/ETA maths the stores apply to the progress the engine reports. Only src/state uses this.
import * as Comlink from 'comlink';
import type { EngineWorkerApi } from '../../workers/engine/protocol.ts';
import type { EngineErrorKind } from '../../workers/engine/protocol.ts';
import { StorageFullError } from '../db/database.ts';

export type EngineApi = Comlink.Remote<EngineWorkerApi>;

export type ReadableErrorKind = EngineErrorKind | 'worker-crashed' | 'unknown';

/** A failure as the UI shows it: what happened, the engine's own words, and what to do. */
export interface ReadableError {
  kind: ReadableErrorKind;
  title: string;
  message: string;
  hint?: string;
}

const TITLES: Record<ReadableErrorKind, { title: string; hint?: string }> = {
  'missing-files': {
    title: 'The model is missing files',
    hint: 'A model folder needs config.json, the tokenizer and processor files and onnx/*.onnx for the chosen dtype.',
  },
  'unsupported-architecture': {
    title: 'This model architecture is not supported',
    hint: 'Choose a model of a supported family (SmolVLM works best).',
  },
  network: {
    title: 'The model could not be downloaded',
    hint: 'Check the connection and the repo id; models that were fully downloaded once work offline.',
  },
  'webgpu-unavailable': {
    title: 'WebGPU is not available',
    hint: 'Choose the wasm device, which works in every browser.',
  },
  'device-lost': {
    title: 'The GPU device was lost',
    hint: 'The browser or driver reset the GPU. Results saved so far are kept; retry, or retry on wasm.',
  },
  'out-of-memory': {
    title: 'Out of memory',
    hint: 'Choose a smaller dtype (q8, q4) or a smaller model, and close other heavy tabs.',
  },
  image: { title: 'An image could not be used' },
  cancelled: { title: 'Cancelled' },
  internal: { title: 'The engine failed' },
  'worker-crashed': {
    title: 'The inference worker stopped unexpectedly',
    hint: 'Often memory: try a smaller dtype or model. The worker was restarted; load the model again.',
  },
  'storage-full': {
    title: 'Browser storage is full',
    hint:
      'Every result saved before this point is kept. Free space (delete old runs or images, clear the ' +
      'model cache) or allow persistent storage, then resume: finished cases are not recomputed.',
  },
  unknown: { title: 'Something went wrong' },
};

const KINDS = new Set<string>(Object.keys(TITLES));

/**
 * Turns anything thrown by the worker (plain {kind, message}: EngineFailure), the database
 * (StorageFullError) or the store into a ReadableError. The kind decides; the text never does.
 */
export function readableError(e: unknown): ReadableError {
  let kind: ReadableErrorKind = 'unknown';
  let message: string;
  if (e instanceof StorageFullError) {
    kind = 'storage-full';
    message = e.message;
  } else if (typeof e === 'object' && e !== null && 'message' in e) {
    message = String((e as { message: unknown }).message);
    const k = (e as { kind?: unknown }).kind;
    if (typeof k === 'string' && KINDS.has(k)) kind = k as ReadableErrorKind;
  } else {
    message = String(e);
  }
  const { title, hint } = TITLES[kind];
  return { kind, title, message, ...(hint ? { hint } : {}) };
}

export interface EngineClient {
  /** The worker's API, starting the worker on first use. */
  api(): EngineApi;
  /** Rejects with a 'worker-crashed' failure if the worker dies before `promise` settles. */
  guard<T>(promise: Promise<T>): Promise<T>;
  /** Terminates the worker (and its loaded model); the next api() call starts a fresh one. */
  restart(): void;
  /** True while a worker exists (a model may be loaded in it). */
  readonly started: boolean;
}

export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () =>
  new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module' });

export function createEngineClient(factory: WorkerFactory = defaultFactory): EngineClient {
  let worker: Worker | null = null;
  let remote: EngineApi | null = null;
  // Comlink calls never settle when the worker dies; this promise rejects then, so callers can race it.
  let crashed: Promise<never> = new Promise<never>(() => {});
  let crash: (e: unknown) => void = () => {};

  function start(): EngineApi {
    const w = factory();
    worker = w;
    crashed = new Promise<never>((_resolve, reject) => {
      crash = reject;
    });
    crashed.catch(() => undefined);
    w.addEventListener('error', (event) => {
      const detail = event.message ? `: ${event.message}` : '';
      crash({ kind: 'worker-crashed', message: `The inference worker stopped${detail}` });
    });
    remote = Comlink.wrap<EngineWorkerApi>(w);
    return remote;
  }

  return {
    api() {
      return remote ?? start();
    },
    guard(promise) {
      return Promise.race([promise, crashed]);
    },
    restart() {
      worker?.terminate();
      crash({ kind: 'worker-crashed', message: 'The inference worker was restarted' });
      worker = null;
      remote = null;
    },
    get started() {
      return worker !== null;
    },
  };
}

/** The app's engine client. */
export const engineClient: EngineClient = createEngineClient();

// ---------------------------------------------------------------------------------------------
// Rates and ETA

/**
 * Units per second over a sliding time window (bytes downloaded, cases scored). A window rather than
 * the whole-run average follows speed changes (cache hits, a warm GPU) while smoothing out jitter.
 */
export class RateMeter {
  private samples: { t: number; value: number }[] = [];

  constructor(private readonly windowMs = 20_000) {}

  /** Records the cumulative value reached at time t (ms). */
  add(t: number, value: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && value < last.value) this.samples = []; // a restart of the counter
    this.samples.push({ t, value });
    while (this.samples.length > 2 && t - (this.samples[0] as { t: number }).t > this.windowMs) {
      this.samples.shift();
    }
  }

  /** Units per second, or null until two samples at least 0.5 s apart exist. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 500) return null;
    return ((last.value - first.value) * 1000) / (last.t - first.t);
  }

  reset(): void {
    this.samples = [];
  }
}

/** Seconds left at `ratePerSecond`; null when unknown (no rate yet, or no progress). */
export function etaSeconds(remaining: number, ratePerSecond: number | null): number | null {
  if (remaining <= 0) return 0;
  if (ratePerSecond === null || !(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) return null;
  return remaining / ratePerSecond;
}
