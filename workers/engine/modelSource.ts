// Where a model's files come from and which of them exist: a hub repo (through the configured
// remote host), a served or on-disk folder, or files the user picked; transformers.js's environment
// pointed at that source, each file probed (HTTP, the browser cache, the disk), and the dtypes
// whose every ONNX file is present. Nothing here downloads a weight.
import { ModelRegistry, env } from '@huggingface/transformers';
import { MODEL_CACHE_NAME } from '../../src/sw/policy.ts';
import { networkGuard } from './networkGuard.ts';
import { ALL_DTYPES, type Device, type Dtype } from '../../src/core/run/vocabulary.ts';
import type { DtypeChoice } from '../../src/core/run/dtypes.ts';
import { EngineError } from './errors.ts';
import type { ModelConfig } from './loadModel.ts';
import type { LoadOptions, ModelSource } from './protocol.ts';

export const LOCAL_FILES_PREFIX = '/__picked_model__/';

/** Files every processor-based model needs besides the ONNX weights. */
export const REQUIRED_SIDE_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'preprocessor_config.json',
];

export interface ResolvedSource {
  modelId: string;
  revision: string;
  /** Fetches a file of the model by relative path, or null when it does not exist. */
  probe(file: string): Promise<{ exists: boolean; size: number | null }>;
}

// Looked up at each call, so the worker's guarded fetch (networkGuard.ts) is the one used.
const realFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

/**
 * Points transformers.js's global env at one source. A worker loads one model at a time (the
 * image-text model, then the FF judge); sessions, once created, no longer read the env.
 */
export function configureEnvironment(source: ModelSource, opts: LoadOptions): ResolvedSource {
  env.useBrowserCache = Boolean(opts.useBrowserCache) && typeof caches !== 'undefined';
  env.fetch = realFetch;
  switch (source.kind) {
    case 'hub': {
      // Offline, remote files stay allowed (transformers.js refuses to run with remote and local
      // both off) and are read from its cache first; any request it would send is refused.
      env.allowRemoteModels = true;
      env.allowLocalModels = false;
      if (opts.offline) env.fetch = networkGuard.offlineFetch(realFetch);
      if (source.remoteHost)
        env.remoteHost = source.remoteHost.endsWith('/') ? source.remoteHost : `${source.remoteHost}/`;
      const revision = source.revision || 'main';
      const base = `${env.remoteHost}${env.remotePathTemplate.replaceAll('{model}', source.repoId).replaceAll('{revision}', encodeURIComponent(revision))}`;
      return {
        modelId: source.repoId,
        revision,
        probe: (file) => (opts.offline ? probeBrowserCache(`${base}${file}`) : probeUrl(`${base}${file}`)),
      };
    }
    case 'path': {
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      const trimmed = source.path.replace(/[/\\]+$/, '');
      const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
      const parent = cut >= 0 ? trimmed.slice(0, cut + 1) : './';
      const name = cut >= 0 ? trimmed.slice(cut + 1) : trimmed;
      env.localModelPath = parent;
      return {
        modelId: name,
        revision: 'local',
        probe: (file) =>
          env.useFS && !/^https?:\/\//i.test(trimmed)
            ? probeDisk(`${trimmed}/${file}`)
            : probeUrl(`${trimmed}/${file}`),
      };
    }
    case 'files': {
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.useBrowserCache = false;
      env.localModelPath = LOCAL_FILES_PREFIX;
      const files = source.files;
      // transformers.js fetches local files through env.fetch; serve them from the picked folder.
      env.fetch = (async (input: string | URL, init?: RequestInit) => {
        const url = String(input);
        const at = url.indexOf(LOCAL_FILES_PREFIX);
        if (at < 0) return realFetch(input, init);
        const rel = url
          .slice(at + LOCAL_FILES_PREFIX.length)
          .split('/')
          .slice(1)
          .join('/');
        const blob = files.get(decodeURIComponent(rel));
        if (!blob) return new Response('not found', { status: 404 });
        return new Response(blob, { status: 200, headers: { 'content-length': String(blob.size) } });
      }) as typeof fetch;
      return {
        modelId: source.name,
        revision: 'local',
        probe: async (file) => {
          const blob = files.get(file);
          return { exists: Boolean(blob), size: blob?.size ?? null };
        },
      };
    }
  }
}

async function probeUrl(url: string): Promise<{ exists: boolean; size: number | null }> {
  let res: Response;
  try {
    res = await env.fetch(url, { method: 'HEAD' });
  } catch (e) {
    throw new EngineError('network', `Could not reach ${url}: ${(e as Error).message}`);
  }
  if (res.status === 404 || res.status === 401) return { exists: false, size: null };
  if (!res.ok) throw new EngineError('network', `${url} answered HTTP ${res.status}`);
  const len = res.headers.get('content-length');
  return { exists: true, size: len ? Number(len) : null };
}

async function probeBrowserCache(url: string): Promise<{ exists: boolean; size: number | null }> {
  if (typeof caches === 'undefined') return { exists: false, size: null };
  const cache = await caches.open(MODEL_CACHE_NAME);
  const hit = await cache.match(url);
  return { exists: Boolean(hit), size: hit ? Number(hit.headers.get('content-length') ?? 0) || null : null };
}

async function probeDisk(path: string): Promise<{ exists: boolean; size: number | null }> {
  const fs = await import(/* @vite-ignore */ 'node:fs/promises');
  try {
    const st = await fs.stat(path);
    return { exists: st.isFile(), size: st.size };
  } catch {
    return { exists: false, size: null };
  }
}

/** The dtypes for which every ONNX file the architecture needs (and its external data) is present. */
export async function availableDtypes(
  resolved: ResolvedSource,
  config: ModelConfig,
  device: Device,
  sideFiles: readonly string[] = REQUIRED_SIDE_FILES,
): Promise<Dtype[]> {
  const out: Dtype[] = [];
  for (const dtype of ALL_DTYPES) {
    const files = await filesFor(resolved, config, device, dtype, sideFiles);
    const onnx = files.filter(isWeightFile);
    const probes = await Promise.all(onnx.map((f) => resolved.probe(f)));
    if (probes.every((p) => p.exists)) out.push(dtype);
  }
  return out;
}

export async function filesFor(
  resolved: ResolvedSource,
  config: ModelConfig,
  device: Device,
  dtype: DtypeChoice,
  sideFiles: readonly string[] = REQUIRED_SIDE_FILES,
) {
  // get_model_files works from the config we already hold; get_files would fetch more configs at `main`.
  const files = await ModelRegistry.get_model_files(resolved.modelId, {
    config: config as never,
    dtype,
    device: device === 'cpu' ? 'cpu' : device,
  });
  return [...new Set([...sideFiles, ...files])];
}

/** An ONNX graph or one of its external data files (`model.onnx_data`, `model.onnx_data_1`, …). */
export function isWeightFile(f: string): boolean {
  return /\.onnx(_data(_\d+)?)?$/.test(f);
}

/** Files transformers.js reads only when present (weights and their external data never are). */
export function isOptionalFile(f: string, sideFiles: readonly string[] = REQUIRED_SIDE_FILES): boolean {
  return !isWeightFile(f) && !sideFiles.includes(f);
}

/** The model's ONNX files by base name (vision_encoder, embed_tokens, decoder_model_merged, …). */
export async function modelFileBases(
  resolved: ResolvedSource,
  config: ModelConfig,
  device: Device,
  sideFiles: readonly string[] = REQUIRED_SIDE_FILES,
): Promise<string[]> {
  const files = await filesFor(resolved, config, device, 'fp32', sideFiles);
  return files.filter((f) => f.endsWith('.onnx')).map((f) => f.replace(/^onnx\//, '').replace(/\.onnx$/, ''));
}

export function describeSource(s: ModelSource): string {
  if (s.kind === 'hub') return `${s.repoId}${s.revision ? `@${s.revision}` : ''}`;
  if (s.kind === 'path') return `The folder ${s.path}`;
  return `The folder "${s.name}"`;
}
