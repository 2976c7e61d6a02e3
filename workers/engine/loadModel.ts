// Model loading: resolves where files come from (hub, a served or on-disk folder, files the user
// picked), refuses unsupported architectures and incomplete folders before any weight download,
// reports per-file byte progress, picks device and dtype, and falls back from WebGPU to wasm.
import {
  AutoConfig,
  AutoModelForImageTextToText,
  AutoProcessor,
  ModelRegistry,
  env,
  type PreTrainedModel,
  type Processor,
} from '@huggingface/transformers';
import { familyForConfig, MODEL_FAMILIES, type ModelFamily } from '../../src/core/modelFamilies.ts';
import { MODEL_CACHE_NAME } from '../../src/sw/policy.ts';
import { networkGuard } from './networkGuard.ts';
import { ALL_DTYPES, DTYPE_PREFERENCE, type Device, type Dtype } from '../../src/core/run/vocabulary.ts';
import { classifyError, EngineError, firstLine } from './errors.ts';
import type { LoadOptions, LoadProgress, LoadedModelInfo, ModelSource } from './protocol.ts';

/** What the hosting environment (browser worker or Node CLI) can do; the engine stays platform-free. */
export interface EngineHost {
  /** Whether a WebGPU adapter exists, and why not when it does not. */
  probeWebGpu(): Promise<{ available: boolean; shaderF16: boolean; reason?: string }>;
  libraryVersions: Record<string, string>;
  /** How to ask transformers.js for a device, where the host wires the runtime itself (wasm in Node). */
  sessionConfig?(device: Device): { device: string; session_options?: Record<string, unknown> };
}

export interface LoadedModel {
  model: PreTrainedModel;
  processor: Processor;
  family: ModelFamily;
  config: ModelConfig;
  info: LoadedModelInfo;
  letterTokenIds: { A: number; B: number };
  endOfTurnIds: Set<number>;
  eosIds: Set<number>;
  specialIds: Set<number>;
  imageTokenId: number;
}

export interface ModelConfig {
  model_type?: string;
  architectures?: string[];
  image_token_id?: number;
  image_token_index?: number;
  text_config?: { vocab_size?: number };
  vocab_size?: number;
  'transformers.js_config'?: { dtype?: unknown };
  [key: string]: unknown;
}

const LOCAL_FILES_PREFIX = '/__picked_model__/';

/** Files every processor-based model needs besides the ONNX weights. */
const REQUIRED_SIDE_FILES = [
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

/** The dtypes for which every ONNX file the architecture needs is present. */
export async function availableDtypes(
  resolved: ResolvedSource,
  config: ModelConfig,
  device: Device,
  sideFiles: readonly string[] = REQUIRED_SIDE_FILES,
): Promise<Dtype[]> {
  const out: Dtype[] = [];
  for (const dtype of ALL_DTYPES) {
    const files = await filesFor(resolved, config, device, dtype, sideFiles);
    const onnx = files.filter((f) => f.endsWith('.onnx'));
    const probes = await Promise.all(onnx.map((f) => resolved.probe(f)));
    if (probes.every((p) => p.exists)) out.push(dtype);
  }
  return out;
}

async function filesFor(
  resolved: ResolvedSource,
  config: ModelConfig,
  device: Device,
  dtype: Dtype,
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

function chooseDtype(available: Dtype[], device: Device, shaderF16: boolean): Dtype | null {
  const prefs = DTYPE_PREFERENCE[device].filter((d) => shaderF16 || device !== 'webgpu' || !d.includes('16'));
  return prefs.find((d) => available.includes(d)) ?? available[0] ?? null;
}

/** A model source checked before any weight download: config read, device, dtype and file list. */
export interface PreparedLoad<T> {
  resolved: ResolvedSource;
  config: ModelConfig;
  /** What the caller's `accept` returned for the config (e.g. the model family). */
  accepted: T;
  device: Device;
  dtype: Dtype;
  fallbackReason?: string;
  files: string[];
  /** from_pretrained options: the revision, and a progress_callback that reports per-file bytes */
  pretrained: {
    revision: string;
    progress_callback: (info: { status: string; file?: string; loaded?: number; total?: number }) => void;
  };
}

/**
 * Everything before sessions: reads config.json (its absence named), lets `accept` refuse the
 * architecture (by throwing), resolves device (WebGPU only where an adapter exists) and dtype,
 * and names every missing file before anything is downloaded. `sideFiles` are the non-ONNX
 * files the model cannot load without.
 */
export async function prepareLoad<T>(
  opts: LoadOptions,
  host: EngineHost,
  onProgress: (p: LoadProgress) => void,
  accept: (config: ModelConfig) => T,
  sideFiles: readonly string[] = REQUIRED_SIDE_FILES,
): Promise<PreparedLoad<T>> {
  const resolved = configureEnvironment(opts.source, opts);
  onProgress({ phase: 'checking', message: `Reading config.json of ${resolved.modelId}` });

  const configProbe = await resolved.probe('config.json');
  if (!configProbe.exists) {
    throw new EngineError(
      'missing-files',
      opts.offline && opts.source.kind === 'hub'
        ? `${describeSource(opts.source)} is not in the offline cache (its config.json was never downloaded). ` +
            'Turn offline mode off to download it once, or choose a local model folder.'
        : `${describeSource(opts.source)} has no config.json: it is not a model folder in the hub layout.`,
    );
  }
  let config: ModelConfig;
  try {
    config = (await AutoConfig.from_pretrained(resolved.modelId, {
      revision: resolved.revision,
    })) as unknown as ModelConfig;
  } catch (e) {
    throw new EngineError(
      'missing-files',
      `config.json of ${resolved.modelId} could not be read: ${(e as Error).message}`,
    );
  }

  const accepted = accept(config);

  // Device: WebGPU only when an adapter really exists; otherwise fall back (and say why).
  let device: Device = opts.device;
  let fallbackReason: string | undefined;
  let shaderF16 = false;
  if (device === 'webgpu') {
    const gpu = await host.probeWebGpu();
    shaderF16 = gpu.shaderF16;
    if (!gpu.available) {
      if (opts.fallbackToWasm === false)
        throw new EngineError('webgpu-unavailable', gpu.reason ?? 'WebGPU is not available');
      fallbackReason = `WebGPU unavailable (${gpu.reason ?? 'no adapter'}); using wasm.`;
      device = 'wasm';
    }
  }

  // An explicit dtype is checked file by file below (so the message names what is missing).
  let dtype = opts.dtype;
  if (!dtype) {
    const available = await availableDtypes(resolved, config, device, sideFiles);
    if (available.length === 0) {
      const expected = (await filesFor(resolved, config, device, 'fp32', sideFiles)).filter((f) =>
        f.endsWith('.onnx'),
      );
      throw new EngineError(
        'missing-files',
        `${describeSource(opts.source)} has no complete set of ONNX files for any dtype (expected e.g. ${expected.join(', ')}).`,
      );
    }
    dtype = chooseDtype(available, device, shaderF16)!;
  }

  const files = await filesFor(resolved, config, device, dtype, sideFiles);
  const probes = await Promise.all(files.map(async (f) => [f, await resolved.probe(f)] as const));
  const missing = probes.filter(([f, p]) => !p.exists && !isOptionalFile(f, sideFiles)).map(([f]) => f);
  if (missing.length > 0) {
    throw new EngineError(
      'missing-files',
      `${describeSource(opts.source)} lacks ${missing.join(', ')} (dtype ${dtype})` +
        (opts.offline && opts.source.kind === 'hub' ? ' in the offline cache.' : '.'),
    );
  }

  const sizes: Record<string, { loaded: number; total: number }> = {};
  // Known up front: the weights and the files every model reads (so ETA has a total from the start);
  // optional files join when transformers.js asks for them.
  for (const [f, p] of probes) {
    if (p.exists && (f.endsWith('.onnx') || sideFiles.includes(f)))
      sizes[f] = { loaded: 0, total: p.size ?? 0 };
  }
  const done = new Set<string>();
  const progress_callback = (info: { status: string; file?: string; loaded?: number; total?: number }) => {
    if (!info.file) return;
    const entry = (sizes[info.file] ??= { loaded: 0, total: info.total ?? 0 });
    if (info.status === 'progress') {
      entry.loaded = info.loaded ?? entry.loaded;
      entry.total = info.total ?? entry.total;
    } else if (info.status === 'done') {
      entry.loaded = entry.total;
      done.add(info.file);
    } else return;
    onProgress({
      phase: 'download',
      file: info.file,
      loaded: Object.values(sizes).reduce((a, s) => a + s.loaded, 0),
      total: Object.values(sizes).reduce((a, s) => a + s.total, 0),
      files: { ...sizes },
      filesDone: done.size,
      filesTotal: Object.keys(sizes).length,
    });
  };

  return {
    resolved,
    config,
    accepted,
    device,
    dtype,
    ...(fallbackReason ? { fallbackReason } : {}),
    files,
    pretrained: { revision: resolved.revision, progress_callback },
  };
}

/**
 * Creates the model's sessions with `modelClass` on the prepared device; where WebGPU session
 * creation fails (and fallback is allowed), retries on wasm and says why.
 */
export async function createSessions<
  T extends { from_pretrained(id: string, options?: never): Promise<unknown> },
>(
  modelClass: T,
  prep: PreparedLoad<unknown>,
  opts: LoadOptions,
  host: EngineHost,
  onProgress: (p: LoadProgress) => void,
): Promise<{ model: PreTrainedModel; device: Device; fallbackReason?: string }> {
  let device = prep.device;
  let fallbackReason = prep.fallbackReason;
  const create = async (dev: Device) => {
    onProgress({ phase: 'sessions', message: `Creating ${dev} sessions (${prep.dtype})` });
    return (await modelClass.from_pretrained(prep.resolved.modelId, {
      ...prep.pretrained,
      dtype: prep.dtype,
      ...(host.sessionConfig?.(dev) ?? { device: dev }),
    } as never)) as PreTrainedModel;
  };
  let model: PreTrainedModel;
  try {
    model = await create(device);
  } catch (e) {
    if (device !== 'webgpu' || opts.fallbackToWasm === false) throw classifyError(e);
    fallbackReason = `WebGPU session creation failed (${firstLine(e)}); using wasm.`;
    device = 'wasm';
    model = await create(device);
  }
  return { model, device, ...(fallbackReason ? { fallbackReason } : {}) };
}

export async function loadModel(
  opts: LoadOptions,
  host: EngineHost,
  onProgress: (p: LoadProgress) => void = () => {},
): Promise<LoadedModel> {
  const prep = await prepareLoad(opts, host, onProgress, (config) => {
    const family = familyForConfig(config);
    if (!family) {
      const arch = (config.architectures ?? []).join(', ') || config.model_type || 'unknown';
      const supported = MODEL_FAMILIES.map((f) => f.label).join(', ');
      throw new EngineError(
        'unsupported-architecture',
        `Architecture "${arch}" is not supported. Supported image-text families: ${supported}.`,
      );
    }
    return family;
  });
  const { resolved, config, accepted: family, dtype, files, pretrained } = prep;
  const processor = await AutoProcessor.from_pretrained(resolved.modelId, pretrained);

  const { model, device, fallbackReason } = await createSessions(
    AutoModelForImageTextToText,
    prep,
    opts,
    host,
    onProgress,
  );
  onProgress({ phase: 'ready' });

  const tokenizer = processor.tokenizer!;
  const encodeLetter = (text: string) => {
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    if (ids.length !== 1) {
      throw new EngineError(
        'unsupported-architecture',
        `The letter "${text}" is ${ids.length} tokens in this tokenizer; GD needs one.`,
      );
    }
    return ids[0]!;
  };
  const idOf = (token: string) => tokenizer.convert_tokens_to_ids([token])[0] as number | undefined;
  const imageTokenId = (config.image_token_id ?? config.image_token_index) as number;
  const specialIds = new Set<number>(tokenizer.all_special_ids as number[]);
  const endOfTurnIds = new Set(
    family.endOfTurnTokens.map(idOf).filter((x): x is number => typeof x === 'number'),
  );
  const genEos = (model.generation_config as { eos_token_id?: number | number[] } | undefined)?.eos_token_id;
  // Stop exactly where generate() would: the generation config's eos, else the tokenizer's and end-of-turn.
  const eosIds = new Set<number>(Array.isArray(genEos) ? genEos : genEos != null ? [genEos] : []);
  if (eosIds.size === 0) {
    for (const id of endOfTurnIds) eosIds.add(id);
    if (tokenizer.eos_token_id != null) eosIds.add(tokenizer.eos_token_id as number);
  }

  const vocabSize = Number(config.text_config?.vocab_size ?? config.vocab_size ?? 0);
  const info: LoadedModelInfo = {
    modelId: resolved.modelId,
    revision: resolved.revision,
    family: family.id,
    architecture: (config.architectures ?? [config.model_type ?? ''])[0] ?? '',
    device,
    dtype,
    ...(fallbackReason ? { fallbackReason } : {}),
    files,
    imageTokenCount: Number(
      (processor as unknown as { config?: { image_seq_len?: number } }).config?.image_seq_len ?? 0,
    ),
    vocabSize,
    libraryVersions: host.libraryVersions,
  };
  return {
    model,
    processor,
    family,
    config,
    info,
    letterTokenIds: { A: encodeLetter(family.letterTokens.A), B: encodeLetter(family.letterTokens.B) },
    endOfTurnIds,
    eosIds,
    specialIds,
    imageTokenId,
  };
}

/** Files transformers.js reads only when present. */
function isOptionalFile(f: string, sideFiles: readonly string[] = REQUIRED_SIDE_FILES): boolean {
  return !f.endsWith('.onnx') && !sideFiles.includes(f);
}

export function describeSource(s: ModelSource): string {
  if (s.kind === 'hub') return `${s.repoId}${s.revision ? `@${s.revision}` : ''}`;
  if (s.kind === 'path') return `The folder ${s.path}`;
  return `The folder "${s.name}"`;
}
