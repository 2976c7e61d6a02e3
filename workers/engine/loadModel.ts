// Model loading (where the files come from is modelSource.ts): refuses unsupported architectures
// and incomplete folders before any weight download, reports per-file byte progress, picks device
// and dtype, and falls back from WebGPU to wasm.
import {
  AutoConfig,
  AutoModelForImageTextToText,
  AutoProcessor,
  type PreTrainedModel,
  type Processor,
} from '@huggingface/transformers';
import { familyForConfig, MODEL_FAMILIES, type ModelFamily } from '../../src/core/modelFamilies.ts';
import { DTYPE_PREFERENCE, type Device, type Dtype } from '../../src/core/run/vocabulary.ts';
import {
  declaredDtype,
  dtypeLabel,
  DtypeChoiceError,
  resolveDtypeChoice,
  type DtypeChoice,
} from '../../src/core/run/dtypes.ts';
import { classifyError, EngineError, firstLine } from './errors.ts';
import { adapterFor, type FamilyAdapter } from './families/index.ts';
import { modelPreprocessing } from './preprocessing.ts';
import { discoverLetterSpellings, type LetterSpellingTable } from './letterSpellings.ts';
import type { LoadOptions, LoadProgress, LoadedModelInfo } from './protocol.ts';
import {
  availableDtypes,
  configureEnvironment,
  describeSource,
  filesFor,
  isOptionalFile,
  isWeightFile,
  modelFileBases,
  REQUIRED_SIDE_FILES,
  type ResolvedSource,
} from './modelSource.ts';

export { availableDtypes, configureEnvironment, describeSource, type ResolvedSource };

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
  /** Everything family-specific the engine does (families/<id>/adapter.ts). */
  adapter: FamilyAdapter;
  config: ModelConfig;
  info: LoadedModelInfo;
  /** The official rule's letter tokens: encode('A') and encode('B') without special tokens. */
  letterTokenIds: { A: number; B: number };
  /** Every spelling of each letter in this tokenizer (GD's letter rules). */
  letterSpellings: LetterSpellingTable;
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
  /** A single dtype, or the complete per-file map (files the caller's map left out take fp32). */
  dtype: DtypeChoice;
  /** Where the dtype came from: the caller, the repo's transformers.js_config, or the best complete set. */
  dtypeSource: 'chosen' | 'declared' | 'available';
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

  // dtype: the caller's choice (checked file by file below, so the message names what is missing);
  // else the repo's declared transformers.js_config.dtype when all its files are there; else the
  // best dtype whose every file is there.
  const complete = async (choice: DtypeChoice) => {
    const files = await filesFor(resolved, config, device, choice, sideFiles);
    const probes = await Promise.all(files.filter(isWeightFile).map((f) => resolved.probe(f)));
    return probes.every((p) => p.exists);
  };
  let dtype: DtypeChoice | undefined = opts.dtype;
  let dtypeSource: PreparedLoad<T>['dtypeSource'] = 'chosen';
  const declared = declaredDtype(config);
  if (declared && (!dtype || opts.dtypeIsDefault) && (await complete(declared))) {
    dtype = declared;
    dtypeSource = 'declared';
  }
  if (!dtype) {
    const available = await availableDtypes(resolved, config, device, sideFiles);
    if (available.length === 0) {
      const expected = (await filesFor(resolved, config, device, 'fp32', sideFiles)).filter(isWeightFile);
      throw new EngineError(
        'missing-files',
        `${describeSource(opts.source)} has no complete set of ONNX files for any dtype (expected e.g. ${expected.join(', ')}).`,
      );
    }
    dtype = chooseDtype(available, device, shaderF16)!;
    dtypeSource = 'available';
  }
  try {
    dtype = resolveDtypeChoice(dtype, await modelFileBases(resolved, config, device, sideFiles), 'fp32');
  } catch (e) {
    if (e instanceof DtypeChoiceError)
      throw new EngineError('missing-files', `${describeSource(opts.source)}: ${e.message}`);
    throw e;
  }

  const files = await filesFor(resolved, config, device, dtype, sideFiles);
  const probes = await Promise.all(files.map(async (f) => [f, await resolved.probe(f)] as const));
  const missing = probes.filter(([f, p]) => !p.exists && !isOptionalFile(f, sideFiles)).map(([f]) => f);
  if (missing.length > 0) {
    throw new EngineError(
      'missing-files',
      `${describeSource(opts.source)} lacks ${missing.join(', ')} (dtype ${dtypeLabel(dtype)})` +
        (opts.offline && opts.source.kind === 'hub' ? ' in the offline cache.' : '.'),
    );
  }

  const sizes: Record<string, { loaded: number; total: number }> = {};
  // Known up front: the weights and the files every model reads (so ETA has a total from the start);
  // optional files join when transformers.js asks for them.
  for (const [f, p] of probes) {
    if (p.exists && (isWeightFile(f) || sideFiles.includes(f))) sizes[f] = { loaded: 0, total: p.size ?? 0 };
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
    dtypeSource,
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
    onProgress({ phase: 'sessions', message: `Creating ${dev} sessions (${dtypeLabel(prep.dtype)})` });
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
    const arch = (config.architectures ?? []).join(', ') || config.model_type || 'unknown';
    if (!family) {
      const supported = MODEL_FAMILIES.filter((f) => !f.unsupportedReason)
        .map((f) => f.label)
        .join(', ');
      throw new EngineError(
        'unsupported-architecture',
        `Architecture "${arch}" is not supported. Supported image-text families: ${supported}.`,
      );
    }
    if (family.unsupportedReason) {
      throw new EngineError(
        'unsupported-architecture',
        `${family.label} (${arch}): ${family.unsupportedReason}`,
      );
    }
    adapterFor(family.id); // a family the engine has no adapter for is refused here too
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
  const idOf = (token: string) => tokenizer.convert_tokens_to_ids([token])[0] as number | undefined;
  const imageTokenId = (config.image_token_id ?? config.image_token_index) as number;
  const specialIds = new Set<number>(tokenizer.all_special_ids as number[]);
  const letterSpellings = discoverLetterSpellings(
    tokenizer as unknown as Parameters<typeof discoverLetterSpellings>[0],
    specialIds,
    family.letterTokens,
  );
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
    dtype: dtypeLabel(dtype),
    ...(prep.dtypeSource === 'declared' ? { dtypeDeclared: true } : {}),
    ...(fallbackReason ? { fallbackReason } : {}),
    files,
    // Fixed per view where the processor config says so (Idefics3 image_seq_len, Gemma 3
    // image_seq_length); 0 where it follows the image's size (Qwen2-VL, LFM2-VL, …).
    imageTokenCount: Number(
      (processor as unknown as { config?: { image_seq_len?: number; image_seq_length?: number } }).config
        ?.image_seq_len ??
        (processor as unknown as { config?: { image_seq_length?: number } }).config?.image_seq_length ??
        0,
    ),
    vocabSize,
    letterSpellings: letterSpellings.spellings,
    libraryVersions: host.libraryVersions,
  };
  const lm: LoadedModel = {
    model,
    processor,
    family,
    adapter: adapterFor(family.id),
    config,
    info,
    letterTokenIds: letterSpellings.officialIds,
    letterSpellings,
    endOfTurnIds,
    eosIds,
    specialIds,
    imageTokenId,
  };
  info.preprocessing = modelPreprocessing(lm);
  return lm;
}
