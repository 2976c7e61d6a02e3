// The run lifecycle against fake-indexeddb and a fake engine that stores cases the way the worker
// does: start → complete, pause and resume without recomputing, pairs lacking images, the
// one-tab lock, a lost GPU (worker restarted, wasm offered, results kept) and interrupted runs.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  StorageFullError,
  getCasesForRun,
  getRun,
  putRun,
  type RunRecord,
} from '../../../src/db/database.ts';
import { createRunStore, type LockManagerLike } from '../../../src/state/runStore.ts';
import { computeRunId, freeFormPromptHash } from '../../../src/core/run/identity.ts';
import { plannedCases } from '../../../src/core/run/plan.ts';
import { caseKeyOf } from '../../../src/core/run/records.ts';
import { planEvaluation } from '../../../scripts/lib/evaluate.ts';
import { stableHash } from '../../../src/core/hash.ts';
import { toEngineFailure } from '../../../workers/engine/errors.ts';
import { familyById } from '../../../src/core/modelFamilies.ts';
import { promptTemplateHash } from '../../../src/core/prompts.ts';
import { dataset, setup, SPLIT } from './runStoreFixtures.ts';

describe('run store', () => {
  it('runs every case, stores it, and ends complete with done = total', async () => {
    const { db, store, engine, posted } = await setup();
    store.getState().setMethod('PS', true);
    await store.getState().start();
    const s = store.getState();
    expect(s.phase).toBe('complete');
    expect(s.error).toBeNull();
    expect(s.progress).toMatchObject({ done: 12, total: 12, etaSeconds: 0 });
    expect(engine.requests).toHaveLength(1);
    expect(engine.requests[0]!.mode).toBe('cached');
    expect(engine.requests[0]!.images).toEqual({ kind: 'indexeddb', dbName: expect.any(String) });
    expect(await getCasesForRun(db, s.runId!)).toHaveLength(12);
    const record = await getRun(db, s.runId!);
    expect(record).toMatchObject({ status: 'complete', methods: ['GD', 'PS'], device: 'wasm', dtype: 'q8' });
    expect(Object.keys(record!.promptHashes).sort()).toEqual(['GD', 'PS']);
    expect(posted.at(-1)).toMatchObject({ type: 'progress', status: 'complete', done: 12, total: 12 });
  });

  it('pauses, then resumes computing only the cases not yet stored', async () => {
    const { db, store, engine } = await setup({
      beforeCase: (i, current) => {
        if (i === 2 && engine0.requests.length === 1) void current().getState().pause();
      },
    });
    const engine0 = engine;
    await store.getState().start();
    expect(store.getState().phase).toBe('paused');
    const runId = store.getState().runId!;
    expect((await getRun(db, runId))!.status).toBe('paused');
    const storedAfterPause = (await getCasesForRun(db, runId)).length;
    expect(storedAfterPause).toBe(2);

    await store.getState().resume();
    expect(store.getState().phase).toBe('complete');
    expect(engine.requests).toHaveLength(2);
    expect(plannedCases(engine.requests[1]!.plan)).toHaveLength(6 - storedAfterPause);
    expect(store.getState().progress).toMatchObject({ done: 6, total: 6 });
    expect(await getCasesForRun(db, runId)).toHaveLength(6);

    // Everything stored: a further start computes nothing.
    await store.getState().start();
    expect(engine.requests).toHaveLength(2);
    expect(store.getState().phase).toBe('complete');
  });

  it('leaves out pairs lacking an image and lists them as not run', async () => {
    const { store, engine } = await setup({ images: ['p11', 'p12', 'p21', 'p31', 'p32'] });
    await store.getState().start();
    expect(store.getState().notRunPairs).toEqual([{ pairId: 'p2', missing: ['p22'] }]);
    expect(engine.requests[0]!.pairs.map((p) => p.id)).toEqual(['p1', 'p3']);
    expect(plannedCases(engine.requests[0]!.plan).some((c) => c.pairId === 'p2')).toBe(false);
    expect(store.getState().progress).toMatchObject({ done: 4, total: 4 });
  });

  it('cancel marks the run cancelled and keeps what was stored', async () => {
    const { db, store } = await setup({
      beforeCase: (i, current) => {
        if (i === 1) void current().getState().cancel();
      },
    });
    await store.getState().start();
    expect(store.getState().phase).toBe('cancelled');
    const runId = store.getState().runId!;
    expect((await getRun(db, runId))!.status).toBe('cancelled');
    expect(await getCasesForRun(db, runId)).toHaveLength(1);
  });

  it('refuses to run what another tab is running (lock not available)', async () => {
    const locks: LockManagerLike = { request: async (_name, _opts, callback) => callback(null) };
    const { store, engine } = await setup({ locks });
    await store.getState().start();
    expect(store.getState().phase).toBe('locked');
    expect(store.getState().lockedElsewhere?.runId).toBe(store.getState().runId);
    expect(engine.requests).toHaveLength(0);
  });

  it('holds the run lock named after the run id for the whole run', async () => {
    const names: string[] = [];
    const locks: LockManagerLike = {
      request: async (name, _opts, callback) => {
        names.push(name);
        return callback({ name });
      },
    };
    const { store } = await setup({ locks });
    await store.getState().start();
    expect(names).toEqual([`mediconfusion-run:${store.getState().runId}`]);
    expect(store.getState().phase).toBe('complete');
  });

  it('after a lost GPU: restarts the worker, unloads the model, offers wasm and keeps results', async () => {
    const { db, store, engine, models } = await setup({
      device: 'webgpu',
      beforeCase: (i) => {
        if (i === 3 && engine0.requests.length === 1) throw { kind: 'device-lost', message: 'GPU gone' };
      },
    });
    const engine0 = engine;
    await store.getState().start();
    const s = store.getState();
    expect(s.phase).toBe('failed');
    expect(s.error?.kind).toBe('device-lost');
    expect(s.canRetryOnWasm).toBe(true);
    expect(engine.restarts()).toBe(1);
    expect(models.getState().model).toBeNull();
    const webgpuRun = s.runId!;
    expect((await getRun(db, webgpuRun))!.status).toBe('failed');
    expect(await getCasesForRun(db, webgpuRun)).toHaveLength(3);

    await store.getState().retryOnWasm();
    expect(engine.loads.at(-1)).toMatchObject({ device: 'wasm' });
    expect(store.getState().phase).toBe('complete');
    // A different device is a different run; the WebGPU results stay where they were.
    expect(store.getState().runId).not.toBe(webgpuRun);
    expect(await getCasesForRun(db, webgpuRun)).toHaveLength(3);
  });

  it('explains a full disk: the worker sends the kind across, the text does not decide', async () => {
    // What the worker's session throws when putCase hits the quota (errors.ts toEngineFailure).
    const { store } = await setup({
      beforeCase: () => {
        throw toEngineFailure(new StorageFullError('case p1/1 (GD)'));
      },
    });
    await store.getState().start();
    expect(store.getState().error).toMatchObject({ kind: 'storage-full', title: 'Browser storage is full' });
    expect(store.getState().phase).toBe('failed');

    const { store: other } = await setup({
      beforeCase: () => {
        throw { kind: 'internal', message: 'Browser storage is full, says an unrelated message' };
      },
    });
    await other.getState().start();
    expect(other.getState().error).toMatchObject({ kind: 'internal' });
  });

  it('finds runs a closed tab left running (unless another tab holds them) and does not start them', async () => {
    const { db, store, engine } = await setup();
    const base: RunRecord = {
      id: 'x',
      label: 'org/model · q8 · wasm',
      datasetHash: dataset.hash,
      datasetName: dataset.name,
      model: { sourceKind: 'hub', modelId: 'org/model', revision: 'main' },
      device: 'wasm',
      dtype: 'q8',
      methods: ['GD'],
      promptHashes: {},
      engineVersion: '1',
      status: 'running',
      createdAt: 1,
      updatedAt: 1,
      runCard: {},
      imported: false,
    };
    await putRun(db, { ...base, id: 'orphan' });
    await putRun(db, { ...base, id: 'busy' });
    await putRun(db, { ...base, id: 'done', status: 'complete' });
    const held = createRunStore({
      db: () => Promise.resolve(db),
      locks: () => ({
        request: async (_n, _o, cb) => cb(null),
        query: async () => ({ held: [{ name: 'mediconfusion-run:busy' }] }),
      }),
      channel: () => null,
    });
    await held.getState().resumeIfInterrupted();
    expect(held.getState().interrupted.map((r) => r.id)).toEqual(['orphan']);
    await store.getState().resumeIfInterrupted();
    expect(
      store
        .getState()
        .interrupted.map((r) => r.id)
        .sort(),
    ).toEqual(['busy', 'orphan']);
    expect(engine.requests).toHaveLength(0);
  });

  it('refuses to start without a model or a method, saying why', async () => {
    const { store, models } = await setup();
    store.getState().setMethod('GD', false);
    await store.getState().start();
    expect(store.getState().error?.title).toBe('No method chosen');
    store.getState().setMethod('GD', true);
    models.getState().unload('test');
    await store.getState().start();
    expect(store.getState().error?.title).toBe('No model loaded');
    expect(store.getState().phase).toBe('idle');
  });

  it('previews how much of the chosen run is already stored', async () => {
    const { store } = await setup();
    await store.getState().refreshPreview();
    expect(store.getState().preview).toMatchObject({ total: 6, alreadyDone: 0, status: null });
    await store.getState().start();
    await store.getState().refreshPreview();
    expect(store.getState().preview).toMatchObject({ total: 6, alreadyDone: 6, status: 'complete' });
  });

  it('runs the blind baseline as a cached sibling run with a blank image, linked to the main run', async () => {
    const { db, store, engine } = await setup();
    store.getState().setMethod('PS', true);
    store.getState().setMethod('MC', true);
    store.getState().setBlind(true);
    await store.getState().start();
    expect(store.getState().phase).toBe('complete');
    expect(engine.requests).toHaveLength(2);
    const [blindRequest, mainRequest] = engine.requests;
    expect(blindRequest!.imageCondition).toBe('blank');
    expect(new Set(plannedCases(blindRequest!.plan).map((c) => c.method))).toEqual(new Set(['GD', 'PS']));
    expect(mainRequest!.imageCondition).toBe('real');
    const mainId = store.getState().runId!;
    const blindId = blindRequest!.persist!.runId;
    expect(blindId).not.toBe(mainId);
    const identity = {
      datasetHash: dataset.hash,
      modelId: 'org/model',
      revision: 'main',
      dtype: 'q8' as const,
      device: 'wasm' as const,
      engineVersion: (await getRun(db, mainId))!.engineVersion,
    };
    expect(computeRunId(identity)).toBe(mainId);
    // The blind run id formula is what stored blind runs were filed under: it must not drift.
    expect(stableHash({ ...identity, imageCondition: 'blank' })).toBe(blindId);
    const blindRecord = await getRun(db, blindId);
    expect(blindRecord).toMatchObject({ imageCondition: 'blank', status: 'complete', methods: ['GD', 'PS'] });
    expect(blindRecord!.runCard['blindOf']).toBe(mainId);
    expect(await getCasesForRun(db, blindId)).toHaveLength(12);

    // Cached: a second start computes nothing in either run.
    await store.getState().start();
    expect(engine.requests).toHaveLength(2);
  });

  it('refuses FF without a judge, and keys FF cases by the judge and the FF settings', async () => {
    const { db, store, engine, judge } = await setup();
    store.getState().setMethod('GD', false);
    store.getState().setMethod('FF', true);
    await store.getState().start();
    expect(store.getState().error?.title).toBe('No judge loaded');

    judge.getState().setHubId('org/judge-a');
    expect(await judge.getState().load()).toBe(true);
    store.getState().dismissError();
    await store.getState().start();
    expect(store.getState().phase).toBe('complete');
    const runId = store.getState().runId!;
    const hashA = engine.requests[0]!.persist!.promptHashes['FF']!;
    expect(engine.requests[0]!.freeForm).toEqual({ maxNewTokens: 64, threshold: 3 });
    expect((await getRun(db, runId))!.runCard['freeFormJudge']).toMatchObject({
      judge: { modelId: 'org/judge-a' },
    });
    expect(hashA).toBe(
      freeFormPromptHash(promptTemplateHash('FF', familyById('smolvlm')), {
        judge: { modelId: 'org/judge-a', revision: 'main', dtype: 'q8' },
        maxNewTokens: 64,
        threshold: 3,
      }),
    );

    // Another judge: same run id (GD/PS/MC unaffected), but FF cases are computed again.
    judge.getState().setHubId('org/judge-b');
    expect(await judge.getState().load()).toBe(true);
    await store.getState().start();
    expect(store.getState().runId).toBe(runId);
    expect(engine.requests).toHaveLength(2);
    expect(plannedCases(engine.requests[1]!.plan)).toHaveLength(6);
    expect(engine.requests[1]!.persist!.promptHashes['FF']).not.toBe(hashA);

    // Other FF settings: again a different FF key.
    judge.getState().setMaxNewTokens(16);
    await store.getState().start();
    expect(engine.requests).toHaveLength(3);
    expect(engine.requests[2]!.freeForm).toEqual({ maxNewTokens: 16, threshold: 3 });
    expect(await getCasesForRun(db, runId)).toHaveLength(18);
  });

  it('makes a run of its own for a GD letter rule other than the official one, and sends the rule to the engine', async () => {
    const { db, store, engine, models } = await setup();
    store.getState().setBlind(true);
    await store.getState().start();
    const official = store.getState().runId!;
    const info = models.getState().model!.info;
    // The official rule keeps the run id the CLI gives without any rule (every stored run stays valid).
    expect(official).toBe(planEvaluation(dataset, dataset.pairs, info, ['GD'], null, true).identity.runId);
    expect(engine.requests.map((r) => r.letterRule)).toEqual(['official', 'official']);
    expect((await getRun(db, official))!.letterRule).toBeUndefined();

    store.getState().setLetterRule('as-written');
    await store.getState().start();
    const written = store.getState().runId!;
    expect(written).not.toBe(official);
    const cli = planEvaluation(dataset, dataset.pairs, info, ['GD'], null, true, 'default', 'as-written');
    expect(written).toBe(cli.identity.runId);
    const [blindRequest, mainRequest] = engine.requests.slice(2);
    expect(blindRequest!.letterRule).toBe('as-written');
    expect(blindRequest!.persist!.runId).toBe(cli.blind!.runId);
    expect(mainRequest!.letterRule).toBe('as-written');
    expect(mainRequest!.persist!.promptHashes).toEqual(cli.identity.promptHashes);
    const record = (await getRun(db, written))!;
    expect(record.letterRule).toBe('as-written');
    expect(record.label).toContain('GD letters as written');
    // Nothing of the official run was reused: every case computed again under the new run id.
    expect(plannedCases(mainRequest!.plan)).toHaveLength(dataset.pairs.length * 2);
    expect(await getCasesForRun(db, official)).toHaveLength(dataset.pairs.length * 2);
  });

  it('builds the same run as the CLI: run ids, prompt hashes and case keys of GD, PS, MC, FF with a judge, and blind', async () => {
    const { db, store, engine, judge, models } = await setup();
    for (const m of ['PS', 'MC', 'FF'] as const) store.getState().setMethod(m, true);
    store.getState().setBlind(true);
    judge.getState().setHubId('org/judge');
    expect(await judge.getState().load()).toBe(true);
    await store.getState().start();
    expect(store.getState().phase).toBe('complete');
    const [blindRequest, mainRequest] = engine.requests;

    // The CLI's path: the same model and judge as the CLI reads them from the loaded engine.
    const info = models.getState().model!.info;
    const judgeInfo = judge.getState().judge!.info;
    const cli = planEvaluation(
      dataset,
      dataset.pairs,
      info,
      ['GD', 'PS', 'MC', 'FF'],
      {
        judge: { modelId: judgeInfo.modelId, revision: judgeInfo.revision, dtype: judgeInfo.dtype },
        maxNewTokens: judge.getState().maxNewTokens,
        threshold: judge.getState().threshold,
      },
      true,
    );
    expect(mainRequest!.persist!.runId).toBe(cli.identity.runId);
    expect(mainRequest!.persist!.promptHashes).toEqual(cli.identity.promptHashes);
    expect(blindRequest!.persist!.runId).toBe(cli.blind!.runId);
    expect(blindRequest!.persist!.promptHashes).toEqual(cli.blind!.promptHashes);

    const keysOf = (id: typeof cli.identity, images: typeof cli.plan.images) =>
      plannedCases(images)
        .map((c) => caseKeyOf(id.runId, id.promptHashes, c))
        .sort();
    const stored = async (runId: string) => (await getCasesForRun(db, runId)).map((c) => c.key).sort();
    expect(await stored(cli.identity.runId)).toEqual(keysOf(cli.identity, cli.plan.images));
    expect(await stored(cli.blind!.runId)).toEqual(keysOf(cli.blind!, cli.blindPlan!.images));
    expect(keysOf(cli.identity, cli.plan.images)).toHaveLength(dataset.pairs.length * 2 * 4);
    // The plan the app sent is the CLI's plan, image by image.
    expect(mainRequest!.plan).toEqual(cli.plan.images);
  });

  it('runs single view as its own run (the CLI’s), never mixed with the default, with its views in the run card', async () => {
    const { db, store, engine, models } = await setup();
    await store.getState().start();
    const defaultId = store.getState().runId!;
    const info = models.getState().model!.info;
    // The default preprocessing leaves the run id as it was before preprocessing was recorded.
    const engineVersion = (await getRun(db, defaultId))!.engineVersion;
    const before = { datasetHash: dataset.hash, modelId: 'org/model', revision: 'main', dtype: 'q8' };
    expect(defaultId).toBe(stableHash({ ...before, device: 'wasm', engineVersion }));
    expect(defaultId).toBe(planEvaluation(dataset, dataset.pairs, info, ['GD'], null, false).identity.runId);
    expect(engine.requests[0]!.preprocessing).toBeUndefined();
    const defaultRun = (await getRun(db, defaultId))!;
    expect(defaultRun.runCard['preprocessing']).toEqual({
      choice: 'default',
      settings: SPLIT,
      modelDefault: true,
    });
    expect(Object.values(defaultRun.runCard['imageViewsByImage'] as object)).toHaveLength(6);

    store.getState().setPreprocessing('single-view');
    await store.getState().start();
    const singleId = store.getState().runId!;
    const cli = planEvaluation(dataset, dataset.pairs, info, ['GD'], null, false, 'single-view');
    expect(singleId).toBe(cli.identity.runId);
    expect(singleId).not.toBe(defaultId);
    expect(engine.requests).toHaveLength(2);
    expect(engine.requests[1]!.preprocessing).toBe('single-view');
    // Every case computed again under its own id: nothing of the default run is reused.
    expect(plannedCases(engine.requests[1]!.plan)).toHaveLength(6);
    expect(await getCasesForRun(db, defaultId)).toHaveLength(6);
    expect(await getCasesForRun(db, singleId)).toHaveLength(6);
    const single = (await getRun(db, singleId))!;
    expect(single.label).toContain('single view');
    expect(single.runCard['preprocessing']).toMatchObject({ choice: 'single-view', modelDefault: false });
    expect(Object.values(single.runCard['imageViewsByImage'] as object)).toEqual(
      Array(6).fill({ tokens: 64, crops: 1 }),
    );
  });
});
