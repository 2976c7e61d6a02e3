// The shared downloader on a fake fetch: retries with backoff, bounded concurrency, bodies refused
// unless they are images, the metadata record as fallback, failures named with their pairs, and
// the early stop when every request answers 404 (layout changed) or nothing answers at all.
import { describe, expect, it } from 'vitest';
import {
  describeItem,
  downloadImages,
  formatDuration,
  type DownloadItem,
} from '../../../../src/core/images/download.ts';
import { jpegHeader } from './imageBytes.ts';

const BASE = 'http://source.test';

const jpeg = (width = 64, height = 64) => jpegHeader(width, height);

function items(n: number): DownloadItem[] {
  return Array.from({ length: n }, (_, i) => ({
    localId: String(1000 + i),
    pmcid: `PMC${500 + i}`,
    fileName: `fig-${i}.jpg`,
    pairIds: [String(i), String(i + 100)],
  }));
}

type Handler = (url: string) => Response | Promise<Response>;

function fakeFetch(handler: Handler) {
  const requests: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = async (url: string) => {
    requests.push(url);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((r) => setTimeout(r, 1));
      return await handler(url);
    } finally {
      inFlight--;
    }
  };
  return { fetch, requests, maxInFlight: () => maxInFlight };
}

const noSleep = async () => undefined;

describe('downloadImages', () => {
  it('fetches every image with bounded concurrency, retrying 5xx and network errors with doubling delays', async () => {
    const failedOnce = new Set<string>();
    const f = fakeFetch((url) => {
      if (url.includes('fig-3') && !failedOnce.has(url)) {
        failedOnce.add(url);
        return new Response('busy', { status: 503 });
      }
      if (url.includes('fig-5') && !failedOnce.has(url)) {
        failedOnce.add(url);
        throw new TypeError('fetch failed');
      }
      return new Response(jpeg());
    });
    const saved = new Map<string, number>();
    const delays: number[] = [];
    const progress: number[] = [];
    const result = await downloadImages({
      items: items(10),
      baseUrl: BASE,
      fetch: f.fetch,
      concurrency: 3,
      baseDelayMs: 100,
      sleep: async (ms) => void delays.push(ms),
      save: async (item, bytes) => void saved.set(item.localId, bytes.length),
      onProgress: (p) => progress.push(p.done),
    });
    expect(result.failures).toEqual([]);
    expect(result.stopped).toBeNull();
    expect(result.saved).toBe(10);
    expect(result.bytes).toBe(10 * jpeg().length);
    expect(saved.size).toBe(10);
    expect(f.maxInFlight()).toBeLessThanOrEqual(3);
    expect(delays).toEqual([100, 100]);
    expect(f.requests).toHaveLength(12);
    expect(f.requests[0]).toBe(`${BASE}/PMC500.1/fig-0.jpg`);
    expect(progress.at(-1)).toBe(10);
  });

  it('refuses a body that is not an image, and names an absent article by its pairs', async () => {
    const f = fakeFetch((url) => {
      if (url.includes('fig-1.jpg'))
        return new Response('<!DOCTYPE html><title>Error</title>', { status: 200 });
      if (url.includes('PMC502')) return new Response('NoSuchKey', { status: 404 });
      if (url.includes('/metadata/')) return new Response('', { status: 404 });
      return new Response(jpeg());
    });
    const saved: string[] = [];
    const result = await downloadImages({
      items: items(4),
      baseUrl: BASE,
      fetch: f.fetch,
      sleep: noSleep,
      save: async (item) => void saved.push(item.localId),
    });
    expect(saved.sort()).toEqual(['1000', '1003']);
    const byId = Object.fromEntries(result.failures.map((x) => [x.item.localId, x]));
    expect(byId['1001']).toMatchObject({ kind: 'not-an-image', reason: expect.stringMatching(/HTML/) });
    expect(byId['1002']).toMatchObject({ kind: 'not-found', reason: 'HTTP 404' });
    expect(describeItem(byId['1002']!.item)).toBe('1002.jpg (PMC502 fig-2.jpg; pairs 2, 102)');
  });

  it('falls back to the metadata record when the figure is not at its usual key', async () => {
    const f = fakeFetch((url) => {
      if (url === `${BASE}/metadata/PMC500.1.json`)
        return Response.json({ media_urls: ['s3://pmc-oa-opendata/PMC500.1/fig-0.JPG?md5=1'] });
      if (url === `${BASE}/PMC500.1/fig-0.JPG`) return new Response(jpeg());
      return new Response('', { status: 404 });
    });
    const result = await downloadImages({
      items: items(1),
      baseUrl: BASE,
      fetch: f.fetch,
      sleep: noSleep,
      save: async () => undefined,
    });
    expect(result.saved).toBe(1);
    expect(f.requests).toEqual([
      `${BASE}/PMC500.1/fig-0.jpg`,
      `${BASE}/metadata/PMC500.1.json`,
      `${BASE}/PMC500.1/fig-0.JPG`,
    ]);
  });

  it('stops early with one sentence when every request answers 404', async () => {
    const f = fakeFetch(() => new Response('', { status: 404 }));
    const result = await downloadImages({
      items: items(228),
      baseUrl: BASE,
      fetch: f.fetch,
      concurrency: 4,
      sleep: noSleep,
      save: async () => undefined,
    });
    expect(result.stopped?.reason).toBe('layout-changed');
    expect(result.stopped?.message).toMatch(
      /^The image source's layout has changed: the first \d+ images all answered 404/,
    );
    expect(result.failures).toEqual([]);
    expect(result.notTried).toHaveLength(228);
    expect(f.requests.length).toBeLessThan(40);
  });

  it('stops early when the source cannot be reached at all (a refused cross-origin read)', async () => {
    const f = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const result = await downloadImages({
      items: items(50),
      baseUrl: BASE,
      fetch: f.fetch,
      concurrency: 2,
      attempts: 2,
      sleep: noSleep,
      save: async () => undefined,
    });
    expect(result.stopped).toMatchObject({
      reason: 'unreachable',
      message: expect.stringMatching(/could not be reached/),
    });
    expect(f.requests.length).toBeLessThanOrEqual(12);
  });

  it('pauses on abort and hands back what it did not try', async () => {
    const controller = new AbortController();
    let n = 0;
    const f = fakeFetch(() => {
      if (++n === 3) controller.abort();
      return new Response(jpeg());
    });
    const result = await downloadImages({
      items: items(20),
      baseUrl: BASE,
      fetch: f.fetch,
      concurrency: 1,
      signal: controller.signal,
      sleep: noSleep,
      save: async () => undefined,
    });
    expect(result.stopped?.reason).toBe('aborted');
    expect(result.saved).toBe(2);
    expect(result.notTried).toHaveLength(18);
  });

  it('formats durations for the ETA', () => {
    expect(formatDuration(61_000)).toBe('1:01');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});
