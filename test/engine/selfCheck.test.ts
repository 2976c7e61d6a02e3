// A family whose prefix cache is not proven is self-checked on the first image of a run; when the
// check disagrees (here: a model whose cached continuations are off, as a broken export's would
// be), every prompt is recomputed in full, and the run card says so and why, in the CLI's output
// and in the app's stored run alike. The model is the generated tiny SmolVLM, with a fault
// injected into every decoder call that continues from a cache.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@huggingface/transformers';
import type { Dataset } from '../../src/core/types.ts';
import type { ScoringReport } from '../../src/core/run/vocabulary.ts';
import { getCasesForRun, getRun, openBenchmarkDb, putImages } from '../../src/db/database.ts';
import { createModelStore } from '../../src/state/modelStore.ts';
import { createJudgeStore } from '../../src/state/judgeStore.ts';
import { createRunStore } from '../../src/state/runStore.ts';
import type { EngineApi, EngineClient } from '../../src/state/engineClient.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import { evaluate } from '../../scripts/lib/evaluate.ts';
import { buildRunCard } from '../../src/core/results/runCard.ts';
import { runCardEntries } from '../../src/ui/results/runCardEntries.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';

let engine: NodeEngine;
const full = officialDataset();
// Three pairs: the first image decides, the rest must then be recomputed in full.
const dataset: Dataset = { ...full, pairs: full.pairs.slice(0, 3) };

/** The model as a self-checked family whose cached continuations are off by a logit on letter A. */
function withBrokenCache(lm: LoadedModel): LoadedModel {
  const original = lm.model as unknown as (
    inputs: Record<string, unknown>,
  ) => Promise<Record<string, Tensor>>;
  const faulty = async (inputs: Record<string, unknown>) => {
    const out = await original(inputs);
    if (inputs.past_key_values) {
      const logits = out.logits!;
      const data = logits.data as Float32Array;
      const vocab = logits.dims[2]!;
      for (let r = 0; r < logits.dims[1]!; r++) data[r * vocab + lm.letterTokenIds.A]! += 1;
    }
    return out;
  };
  // Everything else (sessions, generate, encode_image) is the real model's.
  Object.setPrototypeOf(faulty, lm.model as object);
  return {
    ...lm,
    model: faulty as unknown as LoadedModel['model'],
    family: { ...lm.family, prefixCache: 'self-check' },
  };
}

function expectFullRecomputation(scoring: ScoringReport | undefined) {
  expect(scoring).toMatchObject({ modeRequested: 'cached', modeUsed: 'full' });
  expect(scoring!.modeReason).toMatch(/disagreed with full recomputation on the first image/);
  expect(scoring!.cacheCheck).toMatchObject({ passed: false });
  expect(scoring!.cacheCheck!.maxProbDiff).toBeGreaterThan(1e-4);
}

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
});

describe('a self-check that disagrees', () => {
  it('CLI: the run card records full recomputation and why', async () => {
    const lm = withBrokenCache(
      await engine.loadModel(
        { source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm', dtype: 'fp32' },
        engine.host,
      ),
    );
    const result = await evaluate(engine, lm, {
      dataset,
      pairs: dataset.pairs,
      methods: ['GD', 'PS'],
      mode: 'cached',
      images: folderImageLoader(engine, IMAGES_DIR),
      blind: false,
      freeForm: null,
    });
    expectFullRecomputation(result.runCard.scoring);
    expect(result.records).toHaveLength(dataset.pairs.length * 2 * 2);
    // Recomputed in full: every prompt preprocesses its image again (GD 1 + PS 3 per image shown).
    expect(result.outcome.counters.imagesPreprocessed).toBeGreaterThanOrEqual(dataset.pairs.length * 2 * 4);
    await lm.model.dispose();
  });

  it('app: the stored run card records full recomputation and why', async () => {
    const session = engine.createEngineSession({
      host: engine.host,
      imageLoader: () => folderImageLoader(engine, IMAGES_DIR),
      deviceLost: () => null,
      // The hub id the Run tab asks for is served by the generated model, with the broken cache.
      loadModel: async (opts, host, onProgress) =>
        withBrokenCache(
          await engine.loadModel(
            { ...opts, source: { kind: 'path', path: TINY_MODEL_DIR }, dtype: 'fp32' },
            host,
            onProgress,
          ),
        ),
    });
    const api = {
      environment: async () => ({
        webgpu: { available: false, shaderF16: false },
        crossOriginIsolated: false,
        threads: 1,
        userAgent: 'node',
      }),
      load: session.load,
      loadJudge: session.loadJudge,
      run: session.run,
      cancel: session.cancel,
      dispose: session.dispose,
    } as unknown as EngineApi;
    const client: EngineClient = { api: () => api, guard: (p) => p, restart: () => {}, started: true };
    const dbName = `self-check-${Date.now()}`;
    const db = await openBenchmarkDb(dbName);
    await putImages(
      db,
      dataset.pairs
        .flatMap((p) => [p.im1Local, p.im2Local])
        .map((localId) => ({ localId, blob: new Blob(['-']), fileName: `${localId}.jpg` })),
    );
    const models = createModelStore({ engine: client, caches: () => undefined, search: () => '' });
    models.getState().setHubId('org/model');
    models.getState().setDtype('fp32');
    expect(await models.getState().load()).toBe(true);
    const store = createRunStore({
      db: async () => db,
      dbName,
      engine: client,
      models,
      judge: createJudgeStore({ engine: client, models, offline: () => false }),
      dataset: () => dataset,
      locks: () => undefined,
      channel: () => null,
      requestPersistence: async () => true,
      onStored: () => {},
    });
    store.getState().setMethod('PS', true);
    await store.getState().start();
    expect(store.getState().error).toBeNull();
    expect(store.getState().phase).toBe('complete');
    const run = await getRun(db, store.getState().runId!);
    expectFullRecomputation(run!.runCard['scoring'] as ScoringReport);
    // The run card the Results tab shows and exports says it too.
    const card = buildRunCard(run!, dataset, null);
    expectFullRecomputation(card.scoring ?? undefined);
    const shown = runCardEntries(card)
      .find((e) => e.term === 'Scoring')!
      .details.join(' ');
    expect(shown).toMatch(/recomputed in full: the prefix cache disagreed/);
    expect(shown).toMatch(/self-check on the first image: failed/);
    expect(await getCasesForRun(db, run!.id)).toHaveLength(dataset.pairs.length * 2 * 2);
    await session.dispose();
    db.close();
  });
});
