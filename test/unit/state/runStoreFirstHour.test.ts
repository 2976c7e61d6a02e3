// The run store's part of the first hour (issue 18): a reload restores the interrupted run's
// settings and says how far it got, nothing to compute is refused, part of the benchmark runs,
// and running out of memory says what was being computed.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { caseKey, putCase, putRun, type RunRecord } from '../../../src/db/database.ts';
import { createModelStore } from '../../../src/state/modelStore.ts';
import { createRunStore } from '../../../src/state/runStore.ts';
import { plannedCases } from '../../../src/core/run/plan.ts';
import { toEngineFailure } from '../../../workers/engine/errors.ts';
import { dataset, setup } from './runStoreFixtures.ts';

describe('run store, first hour', () => {
  it('after a reload, puts the interrupted run’s settings back in the form and says how far it got', async () => {
    const { db, dbName, engine, judge } = await setup();
    const run: RunRecord = {
      id: 'r-interrupted',
      label: 'org/tiny · fp16 · wasm',
      datasetHash: dataset.hash,
      datasetName: dataset.name,
      model: { sourceKind: 'hub', modelId: 'org/tiny', revision: 'v2' },
      device: 'wasm',
      dtype: 'fp16',
      methods: ['PS'],
      promptHashes: { PS: 'h-ps' },
      engineVersion: '1',
      status: 'running',
      createdAt: 1,
      updatedAt: 2,
      runCard: {
        startedWith: { methods: ['PS', 'MC'], blind: true, selection: { kind: 'first', count: 2 } },
      },
      imported: false,
      imageCondition: 'blank',
    };
    await putRun(db, run);
    await putCase(db, {
      pairId: 'p1',
      slot: 1,
      method: 'PS',
      answer: 'A',
      runId: run.id,
      key: caseKey(run.id, 'PS', 'h-ps', 'p1', 1),
    });
    // A fresh page: nothing loaded, the form at its defaults.
    const models = createModelStore({ engine: engine.client, caches: () => undefined, search: () => '' });
    const store = createRunStore({
      judge,
      db: () => Promise.resolve(db),
      dbName,
      engine: engine.client,
      models,
      dataset: () => dataset,
      locks: () => undefined,
      channel: () => null,
    });
    await store.getState().resumeIfInterrupted();
    expect(store.getState().interrupted.map((r) => r.id)).toEqual([run.id]);
    expect(store.getState().interruptedProgress[run.id]).toEqual({ done: 1, total: 4 });
    expect(store.getState().methods).toEqual({ GD: false, PS: true, MC: true, FF: false });
    expect(store.getState().blind).toBe(true);
    expect(store.getState().selection).toEqual({ kind: 'first', count: 2 });
    expect(models.getState()).toMatchObject({
      hubId: 'org/tiny',
      revision: 'v2',
      device: 'wasm',
      dtype: 'fp16',
    });
    expect(models.getState().model).toBeNull();
    expect(engine.requests).toHaveLength(0);
  });

  it('refuses to start with nothing to compute, saying why, and writes no run', async () => {
    const { store, engine, db } = await setup({ images: [] });
    await store.getState().refreshPreview();
    expect(store.getState().preview?.blocked).toMatch(/No pair of the 3 chosen has both of its images/);
    await store.getState().start();
    expect(store.getState().phase).toBe('idle');
    expect(store.getState().error).toMatchObject({ title: 'Nothing to run' });
    expect(engine.requests).toHaveLength(0);
    expect(await db.getAll('runs')).toHaveLength(0);
  });

  it('runs only the chosen pairs, under the same run id, and keeps the choice in the run card', async () => {
    const { store, engine } = await setup();
    store.getState().setSelection({ kind: 'ids', ids: ['p2', 'nope'] });
    await store.getState().refreshPreview();
    expect(store.getState().preview).toMatchObject({
      total: 2,
      selection: 'pairs p2, nope',
      unknownIds: ['nope'],
    });
    await store.getState().start();
    expect(store.getState().phase).toBe('complete');
    expect(plannedCases(engine.requests[0]!.plan).map((c) => c.pairId)).toEqual(['p2', 'p2']);
    const runId = store.getState().runId;
    expect(store.getState().run?.runCard['pairSelection']).toBe('pairs p2, nope');
    store.getState().setSelection({ kind: 'all' });
    await store.getState().start();
    expect(store.getState().runId).toBe(runId);
    expect(
      plannedCases(engine.requests[1]!.plan)
        .map((c) => c.pairId)
        .sort(),
    ).toEqual(['p1', 'p1', 'p3', 'p3']);
  });

  it('says what was being processed when memory ran out, and advises by the text when it is long', async () => {
    const { store, engine } = await setup({
      beforeCase: (i) => {
        if (i === 1) throw toEngineFailure(new Error('std::bad_alloc'));
      },
    });
    await store.getState().start();
    const next = plannedCases(engine.requests[0]!.plan)[1]!;
    const error = store.getState().error!;
    expect(error.kind).toBe('out-of-memory');
    expect(error.message).toContain(
      `while computing pair ${next.pairId}, image ${next.slot}, ${next.method}`,
    );
    expect(error.message).toMatch(/question and options: \d+ characters/);
    expect(error.hint).toMatch(/smaller dtype/);
  });
});
