// The comparison store on fake-indexeddb: two stored runs compared as core/results/runComparison
// compares them, recomputed when a run gains answers, refused runs with their reasons, and the
// comparison as a JSON file.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../../src/core/types.ts';
import { compareRuns } from '../../../src/core/results/runComparison.ts';
import {
  openBenchmarkDb,
  putCase,
  putRun,
  type BenchmarkDb,
  type RunRecord,
} from '../../../src/db/database.ts';
import { createComparisonStore } from '../../../src/state/comparisonStore.ts';
import { officialDataset } from '../core/fixtures.ts';
import { makeRun, randomRecords } from '../core/results/fixtures.ts';

let counter = 0;
const opened: BenchmarkDb[] = [];

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

async function seed(db: BenchmarkDb, run: RunRecord, records: readonly CaseRecord[], at = 0): Promise<void> {
  let t = run.createdAt + at;
  for (const r of records) {
    await putCase(db, {
      ...r,
      runId: run.id,
      promptHash: run.promptHashes[r.method] ?? 'h',
      computedAt: t++,
    });
  }
  await putRun(db, run);
}

const fp32 = makeRun('fp32', officialDataset, { label: 'fp32 run', dtype: 'fp32' });
const q4 = makeRun('q4', officialDataset, { label: 'q4 run', dtype: 'q4' });
const recordsA = randomRecords(officialDataset, ['GD', 'PS'], 3);
// q4 answers as fp32 except for the GD answers of the first 20 images, which are turned round.
const recordsB = recordsA.map((r, i) =>
  r.method === 'GD' && i < 40 ? { ...r, answer: r.answer === 'A' ? ('B' as const) : ('A' as const) } : r,
);

describe('the comparison store', () => {
  it('compares two stored runs, and again once a run gains answers', async () => {
    const db = await openBenchmarkDb(`compare-test-${Date.now()}-${counter++}`);
    opened.push(db);
    await seed(db, fp32, recordsA);
    await seed(db, q4, recordsB.slice(0, 100));
    const store = createComparisonStore({ db: async () => db, dataset: () => officialDataset });
    await store.getState().setA('fp32');
    expect(store.getState()).toMatchObject({ status: 'idle', result: null });
    await store.getState().setB('q4');
    const first = store.getState().result;
    expect(first).toEqual(
      compareRuns(
        { run: fp32, cases: recordsA },
        { run: q4, cases: recordsB.slice(0, 100) },
        officialDataset,
      ),
    );
    await seed(db, q4, recordsB.slice(100), 1000);
    await store.getState().refresh();
    const second = store.getState().result;
    expect(second).toEqual(
      compareRuns({ run: fp32, cases: recordsA }, { run: q4, cases: recordsB }, officialDataset),
    );
    expect(second?.comparable && second.methods.find((m) => m.method === 'GD')!.casesFlipped).toBe(20);

    const file = store.getState().exportJson()!;
    expect(file.fileName).toBe('comparison_fp32_run_vs_q4_run.json');
    const json = JSON.parse(await file.blob.text());
    expect(json.differences).toEqual([{ setting: 'dtype', a: 'fp32', b: 'q4' }]);

    await store.getState().swap();
    expect(store.getState()).toMatchObject({ aId: 'q4', bId: 'fp32' });
    expect(store.getState().result?.comparable && store.getState().result).toMatchObject({
      a: { id: 'q4' },
      b: { id: 'fp32' },
    });
  });

  it('shows why two runs cannot be compared, and says when a run is gone', async () => {
    const db = await openBenchmarkDb(`compare-test-${Date.now()}-${counter++}`);
    opened.push(db);
    const other = makeRun('other', officialDataset, { model: { ...fp32.model, modelId: 'org/other' } });
    await seed(db, fp32, recordsA);
    await seed(db, other, recordsA);
    const store = createComparisonStore({ db: async () => db, dataset: () => officialDataset });
    await store.getState().setA('fp32');
    await store.getState().setB('other');
    const result = store.getState().result;
    expect(result?.comparable).toBe(false);
    expect(!result?.comparable && result?.reasons[0]).toMatch(/differ in model/);
    expect(store.getState().exportJson()).toBeNull();
    await store.getState().setB('deleted');
    expect(store.getState()).toMatchObject({
      status: 'error',
      error: 'One of the chosen runs is no longer stored.',
    });
  });
});
