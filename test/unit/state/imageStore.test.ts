// The image store: mapping picked image files to dataset image ids (official downloader and ROCO
// layouts) and image coverage per pair; then, on fake-indexeddb, importing a picked folder (both
// layouts), the app's images/ folder (a dev server's HTML fallback is not an image), and clearing
// images without touching results.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { countCasesForRun, listImageIds, openBenchmarkDb, putCase } from '../../../src/db/database.ts';
import {
  createImageStore,
  datasetImageIds,
  imageCoverage,
  mapImageFiles,
} from '../../../src/state/imageStore.ts';
import { makeDataset, makePair, officialDataset } from '../core/fixtures.ts';

const pairs = [
  makePair('p1', 'A', [], [], {
    im1Local: '20192',
    im2Local: '20053',
    im1Path: 'train/radiology/images/ROCO_28778.jpg',
    im2Path: 'train/radiology/images/ROCO_62117.jpg',
  }),
  makePair('p2', 'B', [], [], {
    im1Local: '20014',
    im2Local: '20192',
    im1Path: 'train/radiology/images/ROCO_38225.jpg',
    im2Path: 'train/radiology/images/ROCO_28778.jpg',
  }),
];

const named = (...names: string[]) => names.map((name) => ({ name }));

describe('mapImageFiles', () => {
  it('maps the official downloader layout <local id>.jpg (also .png/.jpeg, any folder)', () => {
    const m = mapImageFiles(named('images/20192.jpg', 'images/20053.PNG', 'x/20014.jpeg'), pairs);
    expect(m.matched.map((x) => [x.localId, x.layout])).toEqual([
      ['20192', 'official'],
      ['20053', 'official'],
      ['20014', 'official'],
    ]);
    expect(m.unmatched).toEqual([]);
  });

  it('maps the ROCO layout through im1Path/im2Path file names', () => {
    const m = mapImageFiles(named('ROCO_28778.jpg', 'roco/ROCO_62117.jpg', 'ROCO_38225.png'), pairs);
    expect(m.matched.map((x) => [x.localId, x.fileName, x.layout])).toEqual([
      ['20192', 'ROCO_28778.jpg', 'roco'],
      ['20053', 'ROCO_62117.jpg', 'roco'],
      ['20014', 'ROCO_38225.png', 'roco'],
    ]);
  });

  it('reports files it cannot use instead of guessing', () => {
    const m = mapImageFiles(
      named('20192.jpg', 'ROCO_28778.jpg', 'ROCO_99999.jpg', '12345.jpg', 'notes.txt', '.DS_Store'),
      pairs,
    );
    expect(m.matched.map((x) => x.localId)).toEqual(['20192']);
    expect(m.duplicates).toEqual(['ROCO_28778.jpg']);
    expect(m.unmatched).toEqual(['ROCO_99999.jpg', '12345.jpg']);
    expect(m.notImages).toEqual(['notes.txt', '.DS_Store']);
  });

  it('maps every image of the official dataset in both layouts', () => {
    const ids = datasetImageIds(officialDataset.pairs);
    expect(ids).toHaveLength(228);
    const official = mapImageFiles(named(...ids.map((id) => `${id}.jpg`)), officialDataset.pairs);
    expect(official.matched).toHaveLength(228);
    const rocoNames = officialDataset.pairs
      .flatMap((p) => [p.im1Path, p.im2Path])
      .map((p) => p.split('/').pop()!);
    const roco = mapImageFiles(named(...new Set(rocoNames)), officialDataset.pairs);
    expect(roco.matched).toHaveLength(228);
    expect(new Set(roco.matched.map((m) => m.localId))).toEqual(new Set(ids));
  });
});

describe('imageCoverage', () => {
  it('counts distinct images and lists exactly which pairs lack which image', () => {
    const c = imageCoverage(pairs, new Set(['20192', '20014']));
    expect(c.required).toBe(3);
    expect(c.present).toBe(2);
    expect(c.missingPairs).toEqual([{ pairId: 'p1', missing: ['20053'] }]);
    expect(imageCoverage(pairs, new Set(['20192', '20053', '20014'])).missingPairs).toEqual([]);
  });
});

const dataset = makeDataset([
  makePair('p1', 'A', [], [], { im1Local: '20192', im2Local: '20053', im1Path: 'x/ROCO_28778.jpg' }),
  makePair('p2', 'B', [], [], { im1Local: '20014', im2Local: '20192' }),
]);

let n = 0;
async function setup(fetch?: (url: string) => Promise<Response>) {
  const dbPromise = openBenchmarkDb(`image-store-${Date.now()}-${n++}`);
  const store = createImageStore({
    db: () => dbPromise,
    dataset: () => dataset,
    baseUrl: () => 'http://127.0.0.1:4399/app/',
    ...(fetch ? { fetch } : {}),
    createObjectUrl: () => 'blob:test',
    revokeObjectUrl: () => {},
  });
  return { store, db: await dbPromise };
}

const jpeg = (name: string) => new File([new Uint8Array([0xff, 0xd8, 0xff])], name, { type: 'image/jpeg' });

describe('image store', () => {
  it('imports a picked folder in either layout and reports what it skipped', async () => {
    const { store, db } = await setup();
    await store.getState().importFiles([
      { file: jpeg('20053.jpg'), path: 'images/20053.jpg' },
      { file: jpeg('ROCO_28778.jpg'), path: 'images/ROCO_28778.jpg' },
      { file: jpeg('99999.jpg'), path: 'images/99999.jpg' },
      { file: new File(['x'], 'readme.txt'), path: 'images/readme.txt' },
    ]);
    const s = store.getState();
    expect(s.error).toBeNull();
    expect(s.report).toMatchObject({
      stored: 2,
      official: 1,
      roco: 1,
      unmatched: ['99999.jpg'],
      notImages: ['readme.txt'],
    });
    expect([...s.presentIds].sort()).toEqual(['20053', '20192']);
    expect((await listImageIds(db)).sort()).toEqual(['20053', '20192']);
  });

  it('loads the dataset images from the app images/ folder, ignoring HTML fallbacks', async () => {
    const requested: string[] = [];
    const { store } = await setup(async (url) => {
      requested.push(url);
      if (url.endsWith('/20192.jpg'))
        return new Response(new Uint8Array([1]), { headers: { 'content-type': 'image/jpeg' } });
      return new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } });
    });
    await store.getState().importFromServer();
    expect(requested).toContain('http://127.0.0.1:4399/app/images/20192.jpg');
    expect(store.getState().report).toMatchObject({
      source: 'server',
      stored: 1,
      unmatched: ['20053.jpg', '20014.jpg'],
    });
    expect([...store.getState().presentIds]).toEqual(['20192']);
  });

  it('clearing images keeps every stored result', async () => {
    const { store, db } = await setup();
    await store.getState().importFiles([{ file: jpeg('20192.jpg'), path: '20192.jpg' }]);
    await putCase(db, { runId: 'r', promptHash: 'h', pairId: 'p1', slot: 1, method: 'GD', answer: 'A' });
    await store.getState().clearAll();
    expect(store.getState().presentIds.size).toBe(0);
    expect(await countCasesForRun(db, 'r')).toBe(1);
  });

  it('refuses to import without a dataset to match against', async () => {
    const dbPromise = openBenchmarkDb(`image-store-none-${n++}`);
    const store = createImageStore({ db: () => dbPromise, dataset: () => null });
    await store.getState().importFiles([{ file: jpeg('1.jpg'), path: '1.jpg' }]);
    expect(store.getState().error).toMatch(/Load a dataset first/);
  });
});
