// The run store's test fixtures: a three-pair dataset, a fake engine that stores cases the way the
// worker does (with a hook before each case), and a store wired to fake-indexeddb.
import { expect } from 'vitest';
import type { RunCallbacks, RunRequest } from '../../../workers/engine/protocol.ts';
import type { LoadedModelInfo, LoadOptions } from '../../../workers/engine/protocol.ts';
import { caseKey, openBenchmarkDb, putCase, putImages } from '../../../src/db/database.ts';
import type { EngineApi, EngineClient } from '../../../src/state/engineClient.ts';
import { createModelStore } from '../../../src/state/modelStore.ts';
import { createRunStore, type LockManagerLike, type RunStore } from '../../../src/state/runStore.ts';
import { createJudgeStore } from '../../../src/state/judgeStore.ts';
import { plannedCases } from '../../../src/core/run/plan.ts';
import { makeDataset, makePair } from '../core/fixtures.ts';

export const dataset = makeDataset([
  makePair('p1', 'A', ['Cerebral'], ['Cerebral']),
  makePair('p2', 'B', ['Cardiac'], ['Cardiac']),
  makePair('p3', 'A', ['Cardiac'], ['Cardiac']),
]);

export interface FakeOptions {
  device?: 'webgpu' | 'wasm';
  /** Called before each case; may pause the store, throw, etc. */
  beforeCase?: (index: number, store: () => RunStore) => Promise<void> | void;
}

const cachedScoring = { modeRequested: 'cached', modeUsed: 'cached' } as const;

/** SmolVLM-256M's image processor as the engine reports it (splitting on), and with single view. */
export const SPLIT = {
  do_image_splitting: true,
  'size.longest_edge': 2048,
  'max_image_size.longest_edge': 512,
};
const FAKE_PREPROCESSING = { default: SPLIT, singleView: { ...SPLIT, do_image_splitting: false } };

export function fakeEngine(opts: FakeOptions = {}) {
  let cancelled = false;
  const requests: RunRequest[] = [];
  const loads: LoadOptions[] = [];
  let restarts = 0;
  let storeRef: RunStore | null = null;
  const api = {
    async environment() {
      return {
        webgpu: { available: opts.device === 'webgpu', shaderF16: false },
        crossOriginIsolated: false,
        threads: 1,
        userAgent: 'test',
      };
    },
    async loadJudge(o: LoadOptions) {
      loads.push(o);
      return {
        modelId: o.source.kind === 'hub' ? o.source.repoId : 'folder',
        revision: 'main',
        architecture: 'LlamaForCausalLM',
        device: o.device,
        dtype: typeof o.dtype === 'string' ? o.dtype : 'fp32',
        files: ['config.json'],
        vocabSize: 100,
        libraryVersions: {},
      };
    },
    async load(o: LoadOptions): Promise<LoadedModelInfo> {
      loads.push(o);
      return {
        modelId: o.source.kind === 'hub' ? o.source.repoId : 'folder',
        revision: 'main',
        family: 'smolvlm',
        architecture: 'Idefics3ForConditionalGeneration',
        device: o.device,
        dtype: typeof o.dtype === 'string' ? o.dtype : 'fp32',
        files: ['config.json'],
        imageTokenCount: 64,
        preprocessing: FAKE_PREPROCESSING,
        vocabSize: 100,
        libraryVersions: {},
      };
    },
    async run(request: RunRequest, callbacks: RunCallbacks) {
      requests.push(request);
      cancelled = false;
      const persist = request.persist!;
      const db = await openBenchmarkDb(persist.dbName);
      let done = 0;
      const counters = {
        visionEncoderRuns: 0,
        cropsEncoded: 0,
        visionEncoderMs: 0,
        imageEmbeddingMs: 0,
        decoderCalls: 0,
        tokensPrefilled: 0,
        tokensDecoded: 0,
        imagesPreprocessed: 0,
      };
      try {
        for (const [i, c] of plannedCases(request.plan).entries()) {
          await opts.beforeCase?.(i, () => storeRef!);
          await new Promise((r) => setTimeout(r, 0));
          if (cancelled)
            return {
              done,
              total: plannedCases(request.plan).length,
              notRun: [],
              cancelled: true,
              elapsedMs: 1,
              counters,
              ...cachedScoring,
            };
          const record = { pairId: c.pairId, slot: c.slot, method: c.method, answer: 'A' as const };
          await putCase(db, {
            ...record,
            runId: persist.runId,
            key: caseKey(persist.runId, c.method, persist.promptHashes[c.method] ?? '', c.pairId, c.slot),
          });
          done++;
          callbacks.onRecord?.(record);
          callbacks.onProgress?.({
            done,
            total: plannedCases(request.plan).length,
            pairId: c.pairId,
            slot: c.slot,
            elapsedMs: done * 10,
            counters,
          });
        }
        return {
          done,
          total: plannedCases(request.plan).length,
          notRun: [],
          cancelled: false,
          elapsedMs: 1,
          counters,
          ...cachedScoring,
          // As the engine measures them: 13 views (832 tokens) split, 1 view (64 tokens) in single view.
          imageViews: Object.fromEntries(
            request.plan.map((g) => [
              g.localId,
              request.preprocessing === 'single-view' ? { tokens: 64, crops: 1 } : { tokens: 832, crops: 13 },
            ]),
          ),
        };
      } finally {
        db.close();
      }
    },
    async cancel() {
      cancelled = true;
    },
  };
  const client: EngineClient = {
    api: () => api as unknown as EngineApi,
    guard: (p) => p,
    restart: () => void restarts++,
    get started() {
      return true;
    },
  };
  return {
    client,
    requests,
    loads,
    restarts: () => restarts,
    bind(store: RunStore) {
      storeRef = store;
    },
  };
}

let counter = 0;

export async function setup(
  opts: FakeOptions & { images?: string[]; locks?: LockManagerLike; posted?: unknown[] } = {},
) {
  const dbName = `run-store-${Date.now()}-${counter++}`;
  const dbPromise = openBenchmarkDb(dbName);
  const db = await dbPromise;
  const images = opts.images ?? dataset.pairs.flatMap((p) => [p.im1Local, p.im2Local]);
  await putImages(
    db,
    images.map((localId) => ({
      localId,
      blob: new Blob(['x'], { type: 'image/jpeg' }),
      fileName: `${localId}.jpg`,
    })),
  );
  const engine = fakeEngine(opts);
  const models = createModelStore({ engine: engine.client, caches: () => undefined, search: () => '' });
  if (opts.device) await models.getState().probeEnvironment();
  models.getState().setHubId('org/model');
  if (opts.device) models.getState().setDevice(opts.device);
  expect(await models.getState().load()).toBe(true);
  const posted = opts.posted ?? [];
  const judge = createJudgeStore({ engine: engine.client, models, offline: () => false });
  const store = createRunStore({
    judge,
    db: () => dbPromise,
    dbName,
    engine: engine.client,
    models,
    dataset: () => dataset,
    locks: () => opts.locks,
    channel: () => ({ postMessage: (m: unknown) => void posted.push(m), addEventListener: () => {} }),
    requestPersistence: async () => true,
    onStored: () => {},
  });
  engine.bind(store);
  return { db, dbName, store, engine, models, posted, judge };
}
