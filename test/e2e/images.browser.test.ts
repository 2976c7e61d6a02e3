// "Get the benchmark images" in headless Chromium on the dev server, against a local server that
// answers in the PMC Cloud Service's layout (test/support/imageSourceServer.ts): the page fetches
// all 228 images into IndexedDB with a progress bar, survives a reload mid-download (it continues
// by itself and does not fetch again what it stored), counts its requests in the header's network
// counter, is refused under offline mode, and shows the fallback routes when the server omits CORS
// headers.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import type { Page } from 'playwright-core';
import type { ImageDictEntry } from '../../src/core/images/imageSource.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { startDevServer } from '../support/devServer.ts';
import { IMAGES_DIR } from '../support/fixtures.ts';
import { startImageSourceServer, type ImageSourceServer } from '../support/imageSourceServer.ts';

const ARTIFACTS = path.resolve('test-artifacts');
const dict = JSON.parse(readFileSync('public/data/mediconfusion/image_dict.json', 'utf8')) as Record<
  string,
  ImageDictEntry
>;

let dev: ViteDevServer;
let appUrl: string;
let source: ImageSourceServer;
let noCors: ImageSourceServer;
let browser: LaunchedBrowser;
let page: Page;

let visit = 0;

/** Opens the Run tab afresh (a new query each time: the same URL with a hash would not reload). */
async function openRunTab(p: Page, images: string) {
  await p.goto(`${appUrl}/?images=${encodeURIComponent(images)}&visit=${visit++}#run`);
  await p.getByTestId('images-download').waitFor();
  await expect
    .poll(() => p.getByTestId('images-present-count').textContent(), { timeout: 60_000 })
    .toMatch(/of 228 images present/);
}

const present = async (p: Page) =>
  Number(/^(\d+) of/.exec((await p.getByTestId('images-present-count').textContent()) ?? '')?.[1] ?? -1);

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  ({ server: dev, url: appUrl } = await startDevServer());
  source = await startImageSourceServer({ imagesDir: IMAGES_DIR, dict, delayMs: 40 });
  noCors = await startImageSourceServer({ imagesDir: IMAGES_DIR, dict, cors: false });
  browser = await launchChromium();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await source?.close();
  await noCors?.close();
  await dev?.close();
});

describe('getting the benchmark images in the page', () => {
  it('shows the two remaining routes when the image source omits CORS headers', async () => {
    await openRunTab(page, noCors.url);
    expect(await page.getByTestId('images-source').inputValue()).toBe(noCors.url);
    await page.getByTestId('images-download').click();
    const refused = page.getByTestId('images-download-refused');
    await refused.waitFor({ timeout: 60_000 });
    const text = (await refused.textContent()) ?? '';
    expect(text).toMatch(/This browser refused to read the images from http:\/\/127\.0\.0\.1:\d+ /);
    expect(text).toContain('npm run fetch-images');
    expect(text).toContain('ROCO_nnnnn.jpg');
    expect(noCors.requests.length).toBeGreaterThan(0); // the server answered; the browser refused to read
    expect(await present(page)).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'images-download-refused.png'), fullPage: true });
  });

  it('is refused under offline mode, without a request', async () => {
    await page.evaluate(() => localStorage.setItem('mediconfusion-offline-mode', 'on'));
    await openRunTab(page, source.url);
    await page.getByTestId('images-download-offline').waitFor();
    expect(await page.getByTestId('images-download').isDisabled()).toBe(true);
    await page.waitForTimeout(500);
    expect(source.requests).toEqual([]);
    await page.evaluate(() => localStorage.setItem('mediconfusion-offline-mode', 'off'));
  });

  it('downloads all 228 into IndexedDB with progress and continues after a reload mid-download', async () => {
    await openRunTab(page, source.url);
    expect(await page.getByTestId('images-download').isDisabled()).toBe(false);
    await page.getByTestId('images-download').click();
    const bar = page.getByTestId('images-download-progress');
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow').catch(() => '0')), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(40);
    expect(await page.getByTestId('images-download-status').textContent()).toMatch(
      /^\d+ of 228 images · [\d.]+ (kB|MB) · ETA \d+:\d\d/,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'images-download-progress.png'), fullPage: true });
    const beforeReload = await present(page);
    expect(beforeReload).toBeGreaterThan(0);
    expect(beforeReload).toBeLessThan(228);

    await page.reload();
    await expect.poll(() => present(page), { timeout: 120_000 }).toBe(228);
    await expect
      .poll(() => page.getByTestId('images-download-message').textContent(), { timeout: 30_000 })
      .toMatch(/^Stored \d+ images\.$/);
    const served = source.served();
    expect(new Set(served).size).toBe(228);
    // Only the images in flight at the reload (at most the page's concurrency) were fetched twice.
    expect(served.length - 228).toBeLessThanOrEqual(4);
    const stored = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('mediconfusion');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const req = open.result.transaction('images').objectStore('images').count();
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          };
        }),
    );
    expect(stored).toBe(228);
  });

  it('counts every image request in the header’s network counter', async () => {
    await page.getByText('Other ways to get the images').click();
    await page.getByRole('button', { name: 'Remove stored images' }).click();
    await expect.poll(() => present(page), { timeout: 30_000 }).toBe(0);
    const counter = page.getByTestId('network-request-count');
    const countBefore = Number(await counter.textContent());
    const requestsBefore = source.requests.length;
    await page.getByTestId('images-download').click();
    await expect.poll(() => present(page), { timeout: 120_000 }).toBe(228);
    const made = source.requests.length - requestsBefore;
    expect(made).toBe(228);
    await expect
      .poll(async () => Number(await counter.textContent()) - countBefore, { timeout: 10_000 })
      .toBe(made);
  });
});
