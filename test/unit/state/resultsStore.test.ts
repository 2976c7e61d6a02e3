// The results store on fake-indexeddb: listing and comparing runs, metrics as the model computes
// them, the shown run's model image similarity and its place in the bundle, export → import through
// the database, malformed imports that store nothing, deletion.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { blindBaseline } from '../../../src/core/blind.ts';
import type { CaseRecord, Dataset } from '../../../src/core/types.ts';
import {
  getCasesForRun,
  listRuns,
  openBenchmarkDb,
  putCase,
  putImageEmbedding,
  putRun,
  type BenchmarkDb,
  type RunRecord,
} from '../../../src/db/database.ts';
import type { ExportKind } from '../../../src/core/results/exportFiles.ts';
import { computeRunResults, type RunResults } from '../../../src/core/results/runResults.ts';
import { pairAnswersFromRecords } from '../../../src/core/metrics.ts';
import { pairModelSimilarities, similarityConfusion } from '../../../src/core/results/modelSimilarity.ts';
import type { ImageEmbedding } from '../../../src/core/run/records.ts';
import type { ResultsBundle } from '../../../src/core/results/exportFiles.ts';
import { mulberry32 } from '../../../src/core/statistics.ts';
import { createResultsStore, type ResultsStore } from '../../../src/state/resultsStore.ts';
import { officialDataset } from '../core/fixtures.ts';
import { makeRun, randomRecords } from '../core/results/fixtures.ts';

let counter = 0;
const opened: BenchmarkDb[] = [];

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

async function freshDb(): Promise<BenchmarkDb> {
  const db = await openBenchmarkDb(`results-test-${Date.now()}-${counter++}`);
  opened.push(db);
  return db;
}

async function seed(db: BenchmarkDb, run: RunRecord, records: readonly CaseRecord[]): Promise<void> {
  let t = run.createdAt;
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

function makeStore(db: BenchmarkDb, dataset: Dataset | null = officialDataset) {
  const copied: string[] = [];
  const store = createResultsStore({
    db: async () => db,
    dataset: () => dataset,
    now: () => Date.UTC(2025, 5, 1),
    writeClipboard: async (text) => void copied.push(text),
  });
  return { store, copied };
}

async function caseCount(db: BenchmarkDb): Promise<number> {
  return db.count('cases');
}

/** Table 1's numbers of a run (casesRun aside: official files leave out half-run pairs). */
function numbers(r: RunResults) {
  return r.methods.map((m) => {
    const x = r.byMethod[m]!;
    return [
      m,
      x.metrics.setAccuracy,
      x.metrics.individualAccuracy,
      x.metrics.confusion,
      x.setAccuracyCI,
      x.vsRandom,
    ];
  });
}

async function importExport(store: ResultsStore, id: string, kind: ExportKind) {
  const file = await store.getState().exportRun(id, kind);
  expect(file).not.toBeNull();
  const before = new Set(store.getState().runs.map((s) => s.run.id));
  await store.getState().importFile(new File([file!.blob], file!.fileName));
  expect(store.getState().error).toBeNull();
  const added = store.getState().runs.find((s) => !before.has(s.run.id));
  return { file: file!, added };
}

const recordsA = randomRecords(officialDataset, ['GD', 'PS', 'MC'], 3);
const recordsB = randomRecords(officialDataset, ['GD'], 4);

describe('results store', () => {
  it('lists runs with their answers, selects comparable ones and computes their metrics', async () => {
    const db = await freshDb();
    const a = makeRun('a', officialDataset, { createdAt: 2000 });
    const b = makeRun('b', officialDataset, {
      createdAt: 1000,
      methods: ['GD'],
      promptHashes: { GD: 'hash-gd' },
    });
    const foreign = makeRun('c', officialDataset, {
      createdAt: 3000,
      datasetHash: 'other',
      datasetName: 'Mine',
    });
    await seed(db, a, recordsA);
    await seed(db, b, recordsB.slice(0, 100));
    await putRun(db, foreign);
    const { store } = makeStore(db);
    await store.getState().refresh();
    const s = store.getState();
    expect(s.status).toBe('ready');
    expect(s.runs.map((r) => [r.run.id, r.caseCount, r.comparable, r.expectedCases])).toEqual([
      ['c', 0, false, null],
      ['a', 1056, true, 1056],
      ['b', 100, true, 352],
    ]);
    expect(s.selectedRunIds).toEqual(['a', 'b']);
    expect(s.detailRunId).toBe('a');
    expect(numbers(s.metricsByRun.a!)).toEqual(numbers(computeRunResults(a, recordsA, officialDataset)));
    expect(s.metricsByRun.b!.coverage.complete).toBe(false);
    expect(s.metricsByRun.c).toBeUndefined();

    // A run on another dataset cannot be compared.
    await store.getState().select('c');
    expect(store.getState().selectedRunIds).toEqual(['a', 'b']);
    store.getState().deselect('a');
    expect(store.getState().selectedRunIds).toEqual(['b']);
    await store.getState().select('a');
    expect(store.getState().selectedRunIds).toEqual(['a', 'b']);
  });

  it('recomputes a run that gained answers, and reuses the cache otherwise', async () => {
    const db = await freshDb();
    const run = makeRun('r', officialDataset, { methods: ['GD'], promptHashes: { GD: 'hash-gd' } });
    await seed(db, run, recordsB.slice(0, 10));
    const { store } = makeStore(db);
    await store.getState().refresh();
    const first = store.getState().metricsByRun.r!;
    expect(first.coverage.casesRun).toBe(10);
    await store.getState().refresh();
    expect(store.getState().metricsByRun.r).toBe(first);
    await seed(db, run, recordsB.slice(10, 20));
    await store.getState().refresh();
    expect(store.getState().metricsByRun.r!.coverage.casesRun).toBe(20);
  });

  it('round-trips a run through the bundle, CSV and official JSON with identical metrics', async () => {
    const db = await freshDb();
    const run = makeRun('src', officialDataset);
    await seed(db, run, recordsA);
    const { store } = makeStore(db);
    await store.getState().refresh();
    const original = numbers(store.getState().metricsByRun.src!);

    const bundle = await importExport(store, 'src', { kind: 'bundle' });
    expect(bundle.file.fileName).toMatch(/\.mediconfusion-results\.json$/);
    expect(bundle.added?.run.imported).toBe(true);
    expect(bundle.added?.caseCount).toBe(1056);
    const bundleId = bundle.added!.run.id;
    expect(store.getState().selectedRunIds).toContain(bundleId);
    expect(store.getState().notice).toMatch(/^Imported “Run src” from .*: 1056 answers \(GD, PS, MC\)/);
    expect(numbers(store.getState().metricsByRun[bundleId]!)).toEqual(original);
    // Stored cases keep the run's prompt hashes, so they count under the imported run.
    const stored = await getCasesForRun(db, bundleId);
    expect(new Set(stored.map((c) => c.promptHash))).toEqual(new Set(['hash-gd', 'hash-ps', 'hash-mc']));

    const csv = await importExport(store, 'src', { kind: 'csv' });
    expect(numbers(store.getState().metricsByRun[csv.added!.run.id]!)).toEqual(original);

    for (const method of ['GD', 'PS', 'MC'] as const) {
      const official = await importExport(store, 'src', { kind: 'official-answers', method });
      const r = store.getState().metricsByRun[official.added!.run.id]!;
      expect(numbers(r)).toEqual(original.filter(([m]) => m === method));
    }
    expect(store.getState().runs).toHaveLength(6);

    // Importing the same file again replaces the earlier import.
    await store.getState().importFile(new File([bundle.file.blob], bundle.file.fileName));
    expect(store.getState().runs).toHaveLength(6);
    expect(store.getState().notice).toMatch(/^Re-imported/);
    expect(await getCasesForRun(db, bundleId)).toHaveLength(1056);
  });

  it('rejects a malformed file with a precise error and stores nothing', async () => {
    const db = await freshDb();
    const run = makeRun('src', officialDataset);
    await seed(db, run, recordsA);
    const { store } = makeStore(db);
    await store.getState().refresh();
    const file = (await store.getState().exportRun('src', { kind: 'bundle' }))!;
    const bundle = JSON.parse(await file.blob.text()) as { records: Record<string, unknown>[] };
    bundle.records[700]!.method = 'XX';
    const runsBefore = (await listRuns(db)).length;
    const casesBefore = await caseCount(db);

    await store.getState().importFile(new File([JSON.stringify(bundle)], 'broken.json'));
    const s = store.getState();
    expect(s.importing).toBe(false);
    expect(s.error).toEqual({
      title: 'broken.json was not imported',
      message: 'broken.json: records[700]: "method" must be one of GD, PS, MC, FF (got "XX")',
    });
    expect((await listRuns(db)).length).toBe(runsBefore);
    expect(await caseCount(db)).toBe(casesBefore);

    await store.getState().importFile(new File(['pair_id,answer\n1,A\n'], 'x.csv'));
    expect(store.getState().error?.message).toBe('x.csv: results CSV header is missing column "image_slot"');
    expect(await caseCount(db)).toBe(casesBefore);
    store.getState().dismissError();
    expect(store.getState().error).toBeNull();
  });

  it('needs a loaded dataset to import', async () => {
    const db = await freshDb();
    const { store } = makeStore(db, null);
    await store.getState().importFile(new File(['{}'], 'x_greedy.json'));
    expect(store.getState().error?.message).toMatch(/No dataset is loaded/);
  });

  it('deletes a run with its answers and keeps the others', async () => {
    const db = await freshDb();
    const a = makeRun('a', officialDataset, { createdAt: 2 });
    const b = makeRun('b', officialDataset, {
      createdAt: 1,
      methods: ['GD'],
      promptHashes: { GD: 'hash-gd' },
    });
    await seed(db, a, recordsA.slice(0, 50));
    await seed(db, b, recordsB.slice(0, 30));
    const { store } = makeStore(db);
    await store.getState().refresh();
    store.getState().requestDelete('a');
    expect(store.getState().confirmDeleteId).toBe('a');
    store.getState().cancelDelete();
    expect(store.getState().confirmDeleteId).toBeNull();
    await store.getState().deleteRun('a');
    const s = store.getState();
    expect(s.runs.map((r) => r.run.id)).toEqual(['b']);
    expect(s.selectedRunIds).toEqual(['b']);
    expect(s.metricsByRun.a).toBeUndefined();
    expect(s.detailRunId).toBe('b');
    expect(s.notice).toBe('Deleted run “Run a” and its answers.');
    expect(await getCasesForRun(db, 'a')).toHaveLength(0);
    expect(await getCasesForRun(db, 'b')).toHaveLength(30);
  });

  it('copies and exports the run card; official files need the run’s dataset', async () => {
    const db = await freshDb();
    const run = makeRun('a', officialDataset);
    await seed(db, run, recordsA.slice(0, 12));
    const { store, copied } = makeStore(db);
    await store.getState().refresh();
    await store.getState().copyRunCard('a');
    expect(copied).toHaveLength(1);
    expect(JSON.parse(copied[0]!)).toMatchObject({ runId: 'a', model: { revision: 'abc123' }, dtype: 'q8' });
    expect(store.getState().notice).toBe('Run card copied to the clipboard.');

    const foreign = makeRun('f', officialDataset, { datasetHash: 'other' });
    await putRun(db, foreign);
    await store.getState().refresh();
    expect(await store.getState().exportRun('f', { kind: 'official-answers', method: 'GD' })).toBeNull();
    expect(store.getState().error?.message).toMatch(/needs the dataset the run answered/);
    expect(await store.getState().exportRun('f', { kind: 'bundle' })).not.toBeNull();
  });

  it("reads the shown run's image embeddings, sets them against each method, and exports them", async () => {
    const db = await freshDb();
    const withEmbeddings = makeRun('a', officialDataset, { createdAt: 2000 });
    const without = makeRun('b', officialDataset, { createdAt: 1000, methods: ['GD'] });
    await seed(db, withEmbeddings, recordsA);
    await seed(db, without, recordsB);
    // Random 8-dimensional means for the images of the first 30 pairs.
    const random = mulberry32(5);
    const embeddings = new Map<string, ImageEmbedding>();
    for (const pair of officialDataset.pairs.slice(0, 30)) {
      for (const id of [pair.im1Local, pair.im2Local]) {
        if (embeddings.has(id)) continue;
        const mean = Float32Array.from({ length: 8 }, () => random() - 0.3);
        embeddings.set(id, { mean, globalMean: null, vectors: 64 });
        await putImageEmbedding(db, 'a', id, embeddings.get(id)!);
      }
    }
    const { store } = makeStore(db);
    await store.getState().refresh();
    expect(store.getState().detailRunId).toBe('a');
    const similarity = store.getState().similarityByRun.a!;
    const expected = pairModelSimilarities(officialDataset.pairs, embeddings);
    expect(similarity.images).toBe(embeddings.size);
    expect([...similarity.similarities.values()]).toEqual([...expected.values()]);
    expect(similarity.byMethod.map((m) => m.method)).toEqual(['GD', 'PS', 'MC']);
    expect(similarity.byMethod[0]!.confusion).toEqual(
      similarityConfusion(officialDataset.pairs, expected, pairAnswersFromRecords(recordsA, 'GD')),
    );
    expect(similarity.byMethod[0]!.confusion.points.length).toBeGreaterThan(20);

    const bundle = async (id: string) => {
      const file = await store.getState().exportRun(id, { kind: 'bundle' });
      return JSON.parse(await file!.blob.text()) as ResultsBundle;
    };
    expect((await bundle('a')).modelSimilarity?.pairs).toEqual([...expected.values()]);

    // A run that kept none: nothing to show, nothing in its bundle.
    await store.getState().showDetails('b');
    expect(store.getState().similarityByRun).toEqual({});
    expect(store.getState().error).toBeNull();
    expect('modelSimilarity' in (await bundle('b'))).toBe(false);
  });

  it('keeps blind-baseline runs out of the comparison and computes their table for the main run', async () => {
    const db = await freshDb();
    const main = makeRun('main', officialDataset, { createdAt: 1000 });
    const blind = makeRun('blind', officialDataset, {
      createdAt: 2000,
      methods: ['GD', 'PS'],
      imageCondition: 'blank',
      runCard: { blindOf: 'main' },
    });
    const blank = randomRecords(officialDataset, ['GD', 'PS'], 9);
    await seed(db, main, recordsA);
    await seed(db, blind, blank);
    const { store } = makeStore(db);
    await store.getState().refresh();
    expect(store.getState().selectedRunIds).toEqual(['main']);
    await store.getState().select('blind');
    expect(store.getState().selectedRunIds).toEqual(['main']);
    const rows = store.getState().blindByRun['main']!;
    expect(rows.map((r) => r.method)).toEqual(['GD', 'PS']);
    expect(rows[0]).toEqual(blindBaseline(officialDataset, recordsA, blank, 'GD'));
    expect(rows[1]).toEqual(blindBaseline(officialDataset, recordsA, blank, 'PS'));
    expect(store.getState().blindByRun['blind']).toBeUndefined();
  });
});
