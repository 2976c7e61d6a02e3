// The page's image download on fake-indexeddb and a fake fetch: it stores the dataset's missing
// images, refuses under offline mode without a request, says so when the cross-origin read is
// refused, and a pause (or a reload) leaves a marker that resumes where it stopped.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { listImageIds, openBenchmarkDb } from '../../../src/db/database.ts';
import {
  createImageDownloadStore,
  IMAGE_DOWNLOAD_KEY,
  imagesOverride,
} from '../../../src/state/imageDownloadStore.ts';
import { makeDataset, makePair } from '../core/fixtures.ts';

const dataset = makeDataset([
  makePair('p1', 'A', [], [], { im1Local: '20192', im2Local: '20053' }),
  makePair('p2', 'B', [], [], { im1Local: '20014', im2Local: '20192' }),
]);
const dict = {
  a: { local: 20192, dlink: 'ftp://x/PMC3284869.tar.gz', file_name: 'a.jpg' },
  b: { local: 20053, dlink: 'ftp://x/PMC4273002.tar.gz', file_name: 'b.jpg' },
  c: { local: 20014, dlink: 'ftp://x/PMC2737801.tar.gz', file_name: 'c.jpg' },
  d: { local: 99999, dlink: 'ftp://x/PMC1.tar.gz', file_name: 'd.jpg' },
};
const jpeg = new Uint8Array([
  0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0, 64, 0, 64, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03,
  0x11, 0x01, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9,
]);

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

let n = 0;
async function setup(opts: {
  fetch: (url: string) => Promise<Response>;
  offline?: boolean;
  storage?: ReturnType<typeof memoryStorage>;
}) {
  const dbPromise = openBenchmarkDb(`image-download-${Date.now()}-${n++}`);
  const requests: string[] = [];
  const storage = opts.storage ?? memoryStorage();
  const store = createImageDownloadStore({
    db: () => dbPromise,
    dataset: () => dataset,
    presentIds: async () => new Set(await listImageIds(await dbPromise)),
    stored: async () => undefined,
    offline: () => opts.offline ?? false,
    storage: () => storage,
    decode: async () => null,
    baseUrl: () => 'http://127.0.0.1:4399/app/',
    search: () => '?images=http://127.0.0.1:9/src/',
    baseDelayMs: 0,
    fetch: async (url) => {
      requests.push(url);
      if (url.endsWith('image_dict.json')) return Response.json(dict);
      return opts.fetch(url);
    },
  });
  return { store, db: await dbPromise, requests, storage };
}

describe('image download store', () => {
  it('takes ?images= as the source and stores the dataset’s images only', async () => {
    expect(imagesOverride('?images=https%3A%2F%2Fmirror.example%2Fpmc%2F')).toBe(
      'https://mirror.example/pmc',
    );
    expect(imagesOverride('?images=javascript:alert(1)')).toBeNull();
    const { store, db, requests, storage } = await setup({ fetch: async () => new Response(jpeg) });
    expect(store.getState().source).toBe('http://127.0.0.1:9/src');
    await store.getState().start();
    expect(store.getState()).toMatchObject({ status: 'done', failures: [] });
    expect((await listImageIds(db)).sort()).toEqual(['20014', '20053', '20192']);
    expect(requests.filter((u) => u.startsWith('http://127.0.0.1:9/src/PMC')).sort()).toEqual([
      'http://127.0.0.1:9/src/PMC2737801.1/c.jpg',
      'http://127.0.0.1:9/src/PMC3284869.1/a.jpg',
      'http://127.0.0.1:9/src/PMC4273002.1/b.jpg',
    ]);
    expect(storage.getItem(IMAGE_DOWNLOAD_KEY)).toBeNull();
  });

  it('refuses under offline mode without a request', async () => {
    const { store, requests } = await setup({ fetch: async () => new Response(jpeg), offline: true });
    await store.getState().start();
    expect(store.getState().status).toBe('offline');
    expect(store.getState().message).toMatch(/Offline mode is on/);
    expect(requests).toEqual([]);
  });

  it('says so in one sentence when the browser refuses the cross-origin read', async () => {
    const { store } = await setup({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await store.getState().start();
    expect(store.getState().status).toBe('refused');
    expect(store.getState().message).toMatch(
      /^This browser refused to read the images from http:\/\/127\.0\.0\.1:9 /,
    );
  });

  it('a running download survives a reload: the marker resumes it and skips stored images', async () => {
    const storage = memoryStorage();
    storage.setItem(
      IMAGE_DOWNLOAD_KEY,
      JSON.stringify({ state: 'running', source: 'http://127.0.0.1:9/src' }),
    );
    const { store, requests } = await setup({ fetch: async () => new Response(jpeg), storage });
    await store.getState().resumePending();
    expect(store.getState().status).toBe('done');
    expect(requests.filter((u) => u.includes('/PMC'))).toHaveLength(3);
    const paused = memoryStorage();
    paused.setItem(IMAGE_DOWNLOAD_KEY, JSON.stringify({ state: 'paused', source: 'http://127.0.0.1:9/src' }));
    const second = await setup({ fetch: async () => new Response(jpeg), storage: paused });
    await second.store.getState().resumePending();
    expect(second.store.getState().status).toBe('paused');
    expect(second.requests).toEqual([]);
  });
});
