// The model's own image similarity as the app keeps it: a run through the engine session stores
// each image's embedding with the run in IndexedDB (fake-indexeddb here; the browser test reads the
// real one), and the per-pair similarity computed from the stored embeddings equals the one
// computed directly from the vision encoder's output, for every pair of the run. Keeping it costs
// no encoder call, and a blind-baseline (blank image) run keeps none.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { pairModelSimilarities } from '../../src/core/results/modelSimilarity.ts';
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import { imageEmbeddingsOfRun, openBenchmarkDb } from '../../src/db/database.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import type { RunRequest } from '../../workers/engine/protocol.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { directCosine, directEmbedding } from '../support/encoderOutput.ts';
import { IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';

const dataset = officialDataset();
// Twelve pairs: some share an image with another pair, as the benchmark's do.
const pairs = dataset.pairs.slice(0, 12);
const byId = new Map(pairs.map((p) => [p.id, p]));
const requests = pairs.flatMap((p) =>
  ([1, 2] as const).flatMap((slot) =>
    (['GD', 'PS'] as const).map((method) => ({ pairId: p.id, slot, method })),
  ),
);

let engine: NodeEngine;
let session: ReturnType<NodeEngine['createEngineSession']>;
let lm: LoadedModel;

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
  session = engine.createEngineSession({
    host: engine.host,
    imageLoader: () => folderImageLoader(engine, IMAGES_DIR),
    deviceLost: () => null,
  });
  await session.load({ source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm', dtype: 'fp32' });
  lm = session.model!;
});

function request(runId: string | null, dbName: string, extra: Partial<RunRequest> = {}): RunRequest {
  return {
    pairs,
    plan: imageGroupsOf(requests, byId),
    mode: 'cached',
    images: { kind: 'url', baseUrl: 'unused' },
    ...(runId ? { persist: { dbName, runId, promptHashes: { GD: 'g', PS: 'p' } } } : {}),
    ...extra,
  };
}

describe("the model's own image similarity, stored with the run", () => {
  it('equals the direct computation from the vision-encoder output for every pair, with no extra encoder call', async () => {
    const dbName = `similarity-${Date.now()}`;
    const kept = await session.run(request('run-1', dbName));
    const plain = await session.run(request(null, dbName));
    const uniqueImages = imageGroupsOf(requests, byId).length;
    expect(kept.counters.visionEncoderRuns).toBe(uniqueImages);
    expect(plain.counters.visionEncoderRuns).toBe(kept.counters.visionEncoderRuns);
    expect(kept.imageEmbeddings).toBe(uniqueImages);

    const db = await openBenchmarkDb(dbName);
    const stored = await imageEmbeddingsOfRun(db, 'run-1');
    db.close();
    expect(stored.size).toBe(uniqueImages);
    const fromDb = pairModelSimilarities(pairs, stored);
    expect(fromDb.size).toBe(pairs.length);

    const images = folderImageLoader(engine, IMAGES_DIR);
    const diffs: number[] = [];
    for (const pair of pairs) {
      const a = await directEmbedding(lm, pair, (await images(pair.im1Local))!);
      const b = await directEmbedding(lm, pair, (await images(pair.im2Local))!);
      // Every feature vector of the image's one encode went into its mean.
      expect(stored.get(pair.im1Local)!.vectors).toBe(a.dims.slice(0, -1).reduce((x, y) => x * y, 1));
      diffs.push(Math.abs(fromDb.get(pair.id)!.similarity - directCosine(a.mean, b.mean)));
    }
    expect(Math.max(...diffs)).toBeLessThan(1e-6);
    // It depends on the images: the pairs do not all come out alike.
    const values = [...fromDb.values()].map((s) => s.similarity);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.05);
  });

  it('keeps nothing for a blind-baseline run (every case shown the same blank image)', async () => {
    const dbName = `similarity-blank-${Date.now()}`;
    const outcome = await session.run(request('blank-run', dbName, { imageCondition: 'blank' }));
    expect(outcome.done).toBe(requests.length);
    expect(outcome.imageEmbeddings).toBe(0);
    const db = await openBenchmarkDb(dbName);
    expect((await imageEmbeddingsOfRun(db, 'blank-run')).size).toBe(0);
    db.close();
  });
});
