// Runs the engine in Node: picks the onnxruntime backend before transformers.js is imported
// (wasm = onnxruntime-web, the browser's kernels; cpu/webgpu = onnxruntime-node), and supplies
// the Node-side host pieces (image files on disk, library versions).
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { newCounters, type Device } from '../../src/core/run/vocabulary.ts';
import type { EngineHost } from '../../workers/engine/loadModel.ts';
import type { ImageLoader } from '../../workers/engine/runner.ts';

const ORT_SYMBOL = Symbol.for('onnxruntime');

export type NodeEngine = Awaited<ReturnType<typeof createNodeEngine>>;

let chosenBackend: 'web' | 'node' | null = null;

export async function createNodeEngine(device: Device) {
  const backend = device === 'wasm' ? 'web' : 'node';
  if (chosenBackend && chosenBackend !== backend) {
    throw new Error(
      `This process already uses onnxruntime-${chosenBackend}; start a new process for ${device}.`,
    );
  }
  if (!chosenBackend && backend === 'web') {
    // transformers.js uses a runtime placed on this symbol instead of onnxruntime-node.
    const ort = await import('onnxruntime-web');
    // Local wasm files instead of the CDN default; one thread (no worker set-up in Node).
    const dist = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
    ort.env.wasm.wasmPaths = pathToFileURL(`${dist}/`).href;
    ort.env.wasm.numThreads = 1;
    mountExternalDataFromDisk(ort.InferenceSession);
    (globalThis as Record<symbol, unknown>)[ORT_SYMBOL] = ort;
  }
  chosenBackend = backend;
  const transformers = await import('@huggingface/transformers');
  const { loadModel } = await import('../../workers/engine/loadModel.ts');
  const { runCases, imageWork } = await import('../../workers/engine/runner.ts');
  const { Scorer, minimumPrefillOf } = await import('../../workers/engine/scorer.ts');
  const { createEngineSession } = await import('../../workers/engine/session.ts');
  const { loadJudge, judgeFreeFormAnswer } = await import('../../workers/engine/judge.ts');
  type FreeForm = ConstructorParameters<typeof Scorer>[2];
  type LetterRule = ConstructorParameters<typeof Scorer>[3];
  const createScorer = (
    lm: ConstructorParameters<typeof Scorer>[0],
    freeForm: NonNullable<FreeForm> = {},
    letterRule?: LetterRule,
  ) => new Scorer(lm, newCounters(), freeForm, letterRule);
  // Hub downloads in Node go through the file-system cache (onnxruntime-node reads from disk).
  transformers.env.useFSCache = true;
  transformers.env.cacheDir = process.env.MEDICONFUSION_MODEL_CACHE ?? path.resolve('.cache', 'models');
  return {
    transformers,
    loadModel,
    runCases,
    imageWork,
    Scorer,
    minimumPrefillOf,
    newCounters,
    createScorer,
    createEngineSession,
    loadJudge,
    judgeFreeFormAnswer,
    host: await nodeHost(device),
  };
}

type SessionFactory = { create(...args: unknown[]): Promise<unknown> };

/**
 * In Node, transformers.js hands onnxruntime a model *path* and, when every external data file is
 * also a path, leaves `externalData` out (models/session.js: it is set only off Node or for
 * in-memory data), expecting onnxruntime-node to read `<file>.onnx_data` beside the model.
 * onnxruntime-web cannot ("Module.MountedFiles is not available"): its wasm heap has no file
 * system. transformers.js has already fetched those files next to the model (a local folder or its
 * file-system cache), so read them from there and pass them as externalData, as the browser does.
 */
function mountExternalDataFromDisk(sessions: SessionFactory): void {
  const create = sessions.create.bind(sessions);
  sessions.create = async (...args: unknown[]) => {
    const [model, options] = args as [unknown, { externalData?: unknown } | undefined];
    if (typeof model !== 'string' || /^[a-z]+:\/\//i.test(model) || options?.externalData)
      return create(...args);
    const dir = path.dirname(model);
    const base = path.basename(model);
    const names = (await readdir(dir))
      .filter((n) => n === `${base}_data` || new RegExp(`^${escapeRegExp(base)}_data_\\d+$`).test(n))
      .sort();
    if (names.length === 0) return create(...args);
    const externalData = await Promise.all(
      names.map(async (n) => ({ path: n, data: new Uint8Array(await readFile(path.join(dir, n))) })),
    );
    return create(model, { ...options, externalData });
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function packageVersion(name: string): Promise<string> {
  try {
    const file = path.join(process.cwd(), 'node_modules', name, 'package.json');
    return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function nodeHost(device: Device): Promise<EngineHost> {
  return {
    // In Node, WebGPU means onnxruntime-node's Dawn provider; session creation tells whether it works.
    probeWebGpu: async () => ({ available: device === 'webgpu', shaderF16: false }),
    // With a runtime on the global symbol, transformers.js knows no device names: name the provider.
    sessionConfig: (dev) =>
      dev === 'wasm'
        ? { device: 'auto', session_options: { executionProviders: ['wasm'] } }
        : { device: dev },
    libraryVersions: {
      node: process.version,
      '@huggingface/transformers': await packageVersion('@huggingface/transformers'),
      'onnxruntime-web': await packageVersion('onnxruntime-web'),
      'onnxruntime-node': await packageVersion('onnxruntime-node'),
      backend: device === 'wasm' ? 'onnxruntime-web (wasm)' : `onnxruntime-node (${device})`,
    },
  };
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

/** Images in the official downloader's layout: `<folder>/<local id>.jpg` (other extensions accepted). */
export function folderImageLoader(engine: NodeEngine, folder: string): ImageLoader {
  return async (localId) => {
    for (const ext of IMAGE_EXTENSIONS) {
      const file = path.join(folder, `${localId}${ext}`);
      try {
        await stat(file);
      } catch {
        continue;
      }
      return engine.transformers.RawImage.read(file);
    }
    return null;
  };
}
