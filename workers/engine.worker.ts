// The inference worker: transformers.js + onnxruntime-web behind the typed comlink API of
// engine/protocol.ts. The engine itself is engine/session.ts; this file adds what only a browser
// worker has: the bundled wasm runtime, the network guard and counter, the WebGPU probe and device
// watch, and images read from IndexedDB or a URL.
import * as Comlink from 'comlink';
import { env, RawImage } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { openBenchmarkDb, getImage } from '../src/db/database.ts';
import type { EngineHost } from './engine/loadModel.ts';
import { installNetworkGuard, leavesOrigin, networkGuard } from './engine/networkGuard.ts';
import type { EngineWorkerApi, EnvironmentReport, ImageSourceSpec } from './engine/protocol.ts';
import type { ImageLoader } from './engine/runner.ts';
import { createEngineSession } from './engine/session.ts';

// The wasm runtime ships with the app (never a CDN), so the page works offline.
env.backends.onnx.wasm!.wasmPaths = {
  wasm: new URL(ortWasmUrl, self.location.href).href,
  mjs: new URL(ortMjsUrl, self.location.href).href,
};
// One copy of the runtime in Cache Storage: the service worker keeps it with the app's files, so
// the model loader must not store it a second time in its own cache.
env.useWasmCache = false;
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

const session = createEngineSession({
  host,
  imageLoader,
  deviceLost: () => deviceLostReason,
  onLoaded: (model) => {
    if (model.info.device === 'webgpu') watchDevice();
  },
});

const api: EngineWorkerApi = {
  async environment(): Promise<EnvironmentReport> {
    return {
      webgpu: await probeWebGpu(),
      crossOriginIsolated: self.crossOriginIsolated,
      threads: env.backends.onnx.wasm!.numThreads ?? 1,
      userAgent: navigator.userAgent,
    };
  },

  load(opts, onProgress) {
    if (opts.offline !== undefined) networkGuard.setOffline(opts.offline);
    deviceLostReason = null;
    return session.load(opts, onProgress);
  },

  loadJudge(opts, onProgress) {
    if (opts.offline !== undefined) networkGuard.setOffline(opts.offline);
    return session.loadJudge(opts, onProgress);
  },

  run: (request, callbacks) => session.run(request, callbacks),
  measureFloor: (request) => session.measureFloor(request),

  cancel(): void {
    session.cancel();
  },

  dispose: () => session.dispose(),

  networkStats() {
    const { stats } = networkGuard;
    return { ...stats, sent: Math.max(stats.sent, foreignResourceEntries), workerId: WORKER_ID };
  },

  setOffline(offline: boolean): void {
    networkGuard.setOffline(offline);
  },

  async memory() {
    const mem = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    return { jsHeapBytes: mem?.usedJSHeapSize ?? null, device: session.model?.info.device ?? null };
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

Comlink.expose(api);
