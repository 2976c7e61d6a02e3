// The conformance suite every replica of a real hub export must pass (issue #15's "done when"),
// written once so each family's test file is a few lines: loaded from a folder and from the local
// hub server (every .onnx and .onnx_data file counted and fetched), GD + PS + MC on ten pairs
// where the cached path equals the same engine's full recomputation (or the run says why it
// cannot reuse the prefix), each image encoded once, the model's own image similarity kept from
// that encode (equal to the encoder's output, with no extra encoder call), every dtype variant
// loads and runs, and a folder lacking a weight file is refused with a message naming the file.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import type { CaseRequest } from '../../src/core/run/vocabulary.ts';
import type { ImageEmbedding } from '../../src/core/run/records.ts';
import { pairModelSimilarities } from '../../src/core/results/modelSimilarity.ts';
import type { CaseRecord } from '../../src/core/types.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import type { LoadOptions, LoadProgress } from '../../workers/engine/protocol.ts';
import type { RunOutcome } from '../../workers/engine/protocol.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import type { ReplicaDtype } from '../../scripts/fixtures/replicas/index.ts';
import { directCosine, directEmbedding } from './encoderOutput.ts';
import { compareRecords, FIXTURES_DIR, IMAGES_DIR, officialDataset } from './fixtures.ts';
import { startHubServer, type HubServer } from './hubServer.ts';

export interface ReplicaExpectations {
  /** Folder under .fixtures/models/. */
  name: string;
  /** Family id the folder must load as. */
  family: string;
  /** Every dtype variant the replica ships (the first is the fp32 reference). */
  dtypes: readonly ReplicaDtype[];
  /** Whether the cached path can be used; when false the run must say why. */
  reusesPrefix: boolean;
  /** Pairs to score (at least ten); default the first ten of the benchmark. */
  pairs?: number;
}

export const replicaDir = (name: string) => path.join(FIXTURES_DIR, 'models', name);

const dataset = officialDataset();
const pairsById = new Map(dataset.pairs.map((p) => [p.id, p]));

function requestsFor(pairIds: string[], methods: CaseRequest['method'][]): CaseRequest[] {
  return pairIds.flatMap((pairId) =>
    ([1, 2] as const).flatMap((slot) => methods.map((method) => ({ pairId, slot, method }))),
  );
}

export async function runReplica(
  engine: NodeEngine,
  lm: LoadedModel,
  requests: CaseRequest[],
  mode: 'cached' | 'full',
  /** Collects each image's embedding when given. */
  embeddings?: Map<string, ImageEmbedding>,
): Promise<{ records: CaseRecord[]; outcome: RunOutcome }> {
  const records: CaseRecord[] = [];
  const outcome = await engine.runCases(
    lm,
    pairsById,
    imageGroupsOf(requests, pairsById),
    folderImageLoader(engine, IMAGES_DIR),
    {
      mode,
      onRecord: (r) => void records.push(r),
      ...(embeddings ? { onImageEmbedding: (id, e) => void embeddings.set(id, e) } : {}),
    },
    new engine.Scorer(lm, engine.newCounters()),
  );
  return { records, outcome };
}

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, rel)));
    else out.push(rel);
  }
  return out;
}

export function describeReplica(x: ReplicaExpectations): void {
  const dir = replicaDir(x.name);
  const pairIds = dataset.pairs.slice(0, x.pairs ?? 10).map((p) => p.id);
  const load = (
    engine: NodeEngine,
    source: LoadOptions['source'],
    dtype: ReplicaDtype,
    onProgress?: (p: LoadProgress) => void,
  ) =>
    engine.loadModel(
      { source, device: 'wasm', dtype: dtype as LoadOptions['dtype'] },
      engine.host,
      onProgress,
    );

  describe(`replica ${x.name} (${x.family})`, () => {
    let engine: NodeEngine;
    let lm: LoadedModel;
    let hub: HubServer;
    let cacheDir = '';

    beforeAll(async () => {
      engine = await createNodeEngine('wasm');
      cacheDir = await mkdtemp(path.join(tmpdir(), `replica-cache-${x.name}-`));
      engine.transformers.env.cacheDir = cacheDir;
      hub = await startHubServer({ [`replica-org/${x.name}`]: dir });
      lm = await load(engine, { kind: 'path', path: dir }, x.dtypes[0]!);
    });

    afterAll(async () => {
      await hub?.close();
      if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
    });

    it('loads from a folder as its family', () => {
      expect(lm.info.family).toBe(x.family);
      expect(lm.adapter.id).toBe(x.family);
    });

    it('loads from the local hub server, fetching every weight file (.onnx and .onnx_data)', async () => {
      const events: LoadProgress[] = [];
      const hubLm = await load(
        engine,
        { kind: 'hub', repoId: `replica-org/${x.name}`, remoteHost: hub.url },
        x.dtypes[0]!,
        (p) => events.push(p),
      );
      expect(hubLm.info.family).toBe(x.family);
      const fetched = new Set(
        hub.requests.filter((r) => r.method === 'GET').map((r) => r.path.split('/resolve/main/')[1]),
      );
      for (const f of hubLm.info.files.filter((f) => /\.onnx(_data(_\d+)?)?$/.test(f)))
        expect(fetched).toContain(f);
      const last = events.filter((e) => e.phase === 'download').at(-1);
      expect(last && last.phase === 'download' && last.loaded).toBe(
        last && last.phase === 'download' && last.total,
      );
      for (const f of hubLm.info.files.filter((f) => f.includes('.onnx_data'))) {
        expect(last && last.phase === 'download' ? Object.keys(last.files) : []).toContain(f);
      }
    });

    it('scores GD, PS and MC on ten pairs; cached equals full recomputation or says why not', async () => {
      const requests = requestsFor(pairIds, ['GD', 'PS', 'MC']);
      const full = await runReplica(engine, lm, requests, 'full');
      const cached = await runReplica(engine, lm, requests, 'cached');
      expect(full.records).toHaveLength(requests.length);
      expect(cached.records).toHaveLength(requests.length);
      if (!x.reusesPrefix) {
        expect(cached.outcome.modeUsed).toBe('full');
        expect(cached.outcome.modeReason).toBeTruthy();
        return;
      }
      expect(cached.outcome.modeUsed).toBe('cached');
      const cmp = compareRecords(cached.records, full.records);
      console.log(
        `${x.name}: cached vs full max |Δp| = ${cmp.maxProbDiff.toExponential(2)} over ${cmp.compared} cases`,
      );
      expect(cmp.answerMismatches).toEqual([]);
      expect(cmp.textMismatches).toEqual([]);
      expect(cmp.maxProbDiff).toBeLessThanOrEqual(1e-4);
      const uniqueImages = imageGroupsOf(requests, pairsById).length;
      expect(cached.outcome.counters.visionEncoderRuns).toBe(uniqueImages);
      expect(cached.outcome.counters.tokensPrefilled).toBeLessThan(full.outcome.counters.tokensPrefilled);
      // Answers depend on the image: GD's probabilities move between the two images of some pair.
      const gd = (id: string, slot: 1 | 2) =>
        cached.records.find((r) => r.pairId === id && r.slot === slot && r.method === 'GD')!.probabilities!.A;
      expect(pairIds.some((id) => Math.abs(gd(id, 1) - gd(id, 2)) > 1e-4)).toBe(true);
    });

    it("keeps the model's own similarity of every pair from the run's encode: equal to the encoder's output, no extra call", async () => {
      const some = dataset.pairs.slice(0, 4);
      const requests = requestsFor(
        some.map((p) => p.id),
        ['GD', 'PS'],
      );
      const embeddings = new Map<string, ImageEmbedding>();
      const kept = await runReplica(engine, lm, requests, 'cached', embeddings);
      const without = await runReplica(engine, lm, requests, 'cached');
      const uniqueImages = imageGroupsOf(requests, pairsById).length;
      expect(embeddings.size).toBe(uniqueImages);
      expect(kept.outcome.imageEmbeddings).toBe(uniqueImages);
      expect(kept.outcome.counters.visionEncoderRuns).toBe(without.outcome.counters.visionEncoderRuns);
      const images = folderImageLoader(engine, IMAGES_DIR);
      const direct = new Map<string, Awaited<ReturnType<typeof directEmbedding>>>();
      for (const pair of some) {
        for (const localId of [pair.im1Local, pair.im2Local]) {
          if (!direct.has(localId))
            direct.set(localId, await directEmbedding(lm, pair, (await images(localId))!));
        }
      }
      const stored = pairModelSimilarities(some, embeddings);
      expect(stored.size).toBe(some.length);
      for (const pair of some) {
        const a = direct.get(pair.im1Local)!;
        const b = direct.get(pair.im2Local)!;
        expect(Math.abs(stored.get(pair.id)!.similarity - directCosine(a.mean, b.mean))).toBeLessThan(1e-6);
        const global = stored.get(pair.id)!.globalSimilarity;
        if (lm.adapter.globalViewRows && a.lastViewMean && b.lastViewMean) {
          expect(Math.abs(global! - directCosine(a.lastViewMean, b.lastViewMean))).toBeLessThan(1e-6);
        } else expect(global).toBeNull();
      }
      console.log(
        `${x.name}: model similarity of ${some.length} pairs ${[...stored.values()].map((s) => s.similarity.toFixed(6)).join(', ')}; features ${JSON.stringify(direct.get(some[0]!.im1Local)!.dims)}`,
      );
    });

    it.each(x.dtypes.map((d) => [typeof d === 'string' ? d : JSON.stringify(d), d] as const))(
      'dtype %s loads and runs GD and PS',
      async (_label, dtype) => {
        const variant = await load(engine, { kind: 'path', path: dir }, dtype);
        const { records } = await runReplica(
          engine,
          variant,
          requestsFor(pairIds.slice(0, 2), ['GD', 'PS']),
          'cached',
        );
        expect(records).toHaveLength(8);
        for (const r of records) expect(['A', 'B']).toContain(r.answer);
      },
    );

    it('refuses an impossible dtype map, naming the file it lacks', async () => {
      // No replica ships bnb4 (nor do most real repos): the decoder's bnb4 file is named.
      await expect(
        load(engine, { kind: 'path', path: dir }, { decoder_model_merged: 'bnb4' }),
      ).rejects.toThrow('onnx/decoder_model_merged_bnb4.onnx');
    });

    it('refuses a folder lacking a weight file, naming it, before any session', async () => {
      const files = lm.info.files.filter((f) => /\.onnx(_data(_\d+)?)?$/.test(f));
      // The last weight file (an .onnx_data where the export has them) is left out of a copy.
      const victim = files.find((f) => f.includes('.onnx_data')) ?? files.at(-1)!;
      const copy = await mkdtemp(path.join(tmpdir(), `replica-${x.name}-`));
      try {
        await cp(dir, copy, { recursive: true });
        await rm(path.join(copy, victim));
        expect(await filesUnder(copy)).not.toContain(victim);
        await expect(load(engine, { kind: 'path', path: copy }, x.dtypes[0]!)).rejects.toThrow(victim);
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    });
  });
}
