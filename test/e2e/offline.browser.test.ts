// The offline deployment end to end, in headless Chromium on the built app (vite build + vite
// preview). First visit online: the service worker keeps the app, the generated model is downloaded
// from a local server acting as the hub (and the header counts exactly those requests), images are
// imported. Then the hub is stopped and every request is blocked (the browser's offline emulation
// and request interception): the page reloads from the offline copy, offline mode is on by
// itself, the model loads from the browser's cache and 20 cases run, and not one request leaves
// the page's origin. Also: the Content-Security-Policy stops the page reaching another origin, and
// the Storage tab deletes model files and images while every result stays.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import type { Page, Request } from 'playwright-core';
import type { SwManifest } from '../../src/sw/policy.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { startHubServer, type HubServer } from '../support/hubServer.ts';

const ARTIFACTS = path.resolve('test-artifacts');
const REPO = 'test-org/tiny-smolvlm';
const PAIRS = 10; // GD on both images of 10 pairs: 20 cases
const dataset = officialDataset();

let outDir: string;
let manifest: SwManifest;
let server: PreviewServer;
let appUrl: string;
let appOrigin: string;
let hub: HubServer;
let hubRequestsOnline = 0;
let imageCount = 0;
let browser: LaunchedBrowser;
let page: Page;
let pageUrl: string;

/** What the network saw, by phase. */
let phase: 'online' | 'offline' = 'online';
const seen = {
  online: { external: [] as string[], routed: [] as string[] },
  offline: { external: [] as string[], aborted: [] as string[], sameOriginToNetwork: [] as string[] },
};

/**
 * Images of the first pairs such that exactly `n` pairs have both images. Pairs share images, so
 * a pair that would complete more than the pairs wanted is skipped.
 */
function imagesForPairs(n: number): { complete: number; files: string[] } {
  const chosen = new Set<string>();
  let complete = 0;
  for (const pair of dataset.pairs) {
    const next = new Set([...chosen, pair.im1Local, pair.im2Local]);
    const count = dataset.pairs.filter((p) => next.has(p.im1Local) && next.has(p.im2Local)).length;
    if (count > n) continue;
    for (const id of next) chosen.add(id);
    complete = count;
    if (count === n) break;
  }
  return { complete, files: [...chosen].map((id) => path.join(IMAGES_DIR, `${id}.jpg`)) };
}

async function shot(p: Page, name: string) {
  await p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function headerShot(p: Page, name: string) {
  await p.locator('header.app-header').screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

async function loadModel(p: Page) {
  await p.getByTestId('model-hub-id').fill(REPO);
  await p.getByTestId('model-device').selectOption('wasm');
  await p.getByTestId('model-dtype').selectOption('fp32');
  await p.getByTestId('model-load').click();
  await expect
    .poll(
      async () =>
        (await p.getByTestId('model-error').count()) > 0
          ? `error: ${await p.getByTestId('model-error').textContent()}`
          : await p.getByTestId('model-status').textContent(),
      { timeout: 180_000, interval: 250 },
    )
    .toMatch(/^Loaded|^error/);
  expect(await p.getByTestId('model-status').textContent()).toMatch(/^Loaded/);
}

const counter = (p: Page) => p.getByTestId('network-request-count');

/** Waits until the header has read the engine worker's counters twice more, then returns the count. */
async function settledCount(p: Page): Promise<number> {
  const checks = Number(await counter(p).getAttribute('data-worker-checks'));
  await expect
    .poll(async () => Number(await counter(p).getAttribute('data-worker-checks')), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(checks + 2);
  return Number(await counter(p).textContent());
}

function isExternal(url: string): boolean {
  return /^https?:/.test(url) && new URL(url).origin !== appOrigin;
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  outDir = await mkdtemp(path.join(tmpdir(), 'offline-build-'));
  await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  manifest = JSON.parse(await readFile(path.join(outDir, 'sw-manifest.json'), 'utf8')) as SwManifest;
  server = await preview({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no port');
  appUrl = `http://127.0.0.1:${address.port}`;
  appOrigin = new URL(appUrl).origin;
  hub = await startHubServer({ [REPO]: TINY_MODEL_DIR });
  pageUrl = `${appUrl}/?hub=${encodeURIComponent(hub.url)}&device=wasm&dtype=fp32#run`;

  browser = await launchChromium();
  const { context } = browser;
  // Every request of the context (pages, the engine worker, the service worker) is seen here.
  context.on('request', (request: Request) => {
    if (isExternal(request.url())) seen[phase].external.push(`${request.method()} ${request.url()}`);
  });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (phase === 'online') {
      if (isExternal(url)) seen.online.routed.push(url);
      return route.continue();
    }
    if (isExternal(url)) {
      seen.offline.aborted.push(url);
      return route.abort('internetdisconnected');
    }
    seen.offline.sameOriginToNetwork.push(url);
    return route.continue();
  });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.httpServer.close(() => resolve()) : resolve()));
  await hub?.close().catch(() => undefined);
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('offline deployment', () => {
  it('first visit online: keeps the app for offline use, counts the hub requests, imports images', async () => {
    await page.goto(pageUrl);
    await page.getByTestId('model-hub-id').waitFor({ timeout: 60_000 });

    const csp = await page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .first()
      .getAttribute('content');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' https://huggingface.co");
    await expect(page.getByTestId('offline-toggle').getAttribute('aria-pressed')).resolves.toBe('false');
    expect(await counter(page).textContent()).toBe('0');

    // The service worker takes control and holds every file of the build.
    // (Polled with evaluate: waitForFunction would need 'unsafe-eval', which the page's policy forbids.)
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 120_000 })
      .toBe(true);
    const kept = await page.evaluate(async (prefix) => {
      const names = (await caches.keys()).filter((n) => n.startsWith(prefix));
      const cache = await caches.open(names[0]!);
      return { names, urls: (await cache.keys()).map((r) => new URL(r.url).pathname.slice(1)) };
    }, 'mediconfusion-app-');
    expect(kept.names).toEqual([`mediconfusion-app-${manifest.version}`]);
    expect(kept.urls.sort()).toEqual([...manifest.files].sort());
    expect(manifest.files).toContain('index.html');
    expect(manifest.files.some((f) => f.endsWith('.wasm'))).toBe(true);
    expect(manifest.files).toContain('data/mediconfusion/dataset.json');

    // Installable: manifest, icon and a service worker that answers fetches.
    const cdp = await browser.context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    await cdp.detach();
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);

    await loadModel(page);
    // The header counts exactly what the hub served (HEAD probes and downloads, all from the worker).
    expect(hub.requests.length).toBeGreaterThan(5);
    await expect
      .poll(() => counter(page).textContent(), { timeout: 30_000 })
      .toBe(String(hub.requests.length));
    expect(Number(await counter(page).getAttribute('data-worker'))).toBe(hub.requests.length);
    expect(Number(await counter(page).getAttribute('data-page'))).toBe(0);
    hubRequestsOnline = hub.requests.length;
    // The browser saw requests to the hub only (no other host), at least every one the hub logged.
    expect(seen.online.external.filter((r) => !r.includes(` ${hub.url}/`))).toEqual([]);
    expect(seen.online.external.length).toBeGreaterThanOrEqual(hub.requests.length);
    console.log(
      `online visit: ${hub.requests.length} hub requests, counter ${await counter(page).textContent()}`,
    );

    const { complete, files } = imagesForPairs(PAIRS);
    expect(complete).toBe(PAIRS);
    imageCount = files.length;
    await page.getByTestId('images-files-input').setInputFiles(files);
    await expect
      .poll(() => page.getByTestId('images-present-count').textContent(), { timeout: 60_000 })
      .toMatch(new RegExp(`^${files.length} of `));
    // The app itself never tripped its own policy.
    expect(await page.getByTestId('network-blocked-count').count()).toBe(0);
    await headerShot(page, 'offline-header-online');
  });

  it('Content-Security-Policy: the page cannot reach another origin, and the attempt never leaves', async () => {
    const before = { hub: hub.requests.length, routed: seen.online.routed.length };
    const countBefore = await counter(page).textContent();
    const result = await page.evaluate(async (hubUrl) => {
      const violations: { uri: string; directive: string }[] = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        violations.push({ uri: e.blockedURI, directive: e.effectiveDirective }),
      );
      const failures: string[] = [];
      for (const url of [
        `${hubUrl}/test-org/tiny-smolvlm/resolve/main/config.json`,
        'https://example.invalid/x',
      ]) {
        try {
          await fetch(url);
        } catch (e) {
          failures.push(`${url}: ${(e as Error).name}`);
        }
      }
      await new Promise<void>((resolve) => {
        const img = new Image();
        img.onerror = () => resolve();
        img.onload = () => resolve();
        img.src = `${hubUrl}/pixel.png`;
      });
      const deadline = performance.now() + 10_000;
      while (violations.length < 3 && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      return { violations, failures };
    }, hub.url);
    expect(result.failures).toHaveLength(2);
    expect(result.violations.map((v) => v.directive).sort()).toEqual([
      'connect-src',
      'connect-src',
      'img-src',
    ]);
    expect(result.violations.some((v) => v.uri.startsWith(hub.url))).toBe(true);
    // Nothing reached the hub (a live server that logs every request) or any other host.
    expect(hub.requests.length).toBe(before.hub);
    expect(seen.online.routed.slice(before.routed)).toEqual([]);
    expect(
      await counter(page).textContent(),
      (await page.locator('.network-count').getAttribute('title')) ?? '',
    ).toBe(countBefore);
    await expect
      .poll(() => page.getByTestId('network-blocked-count').textContent())
      .toMatch(/^\W*3 refused$/);
  });

  it('renders user text as text, never as HTML', async () => {
    const name = '<img src=x onerror="window.__injected=1">/<b>bold</b>';
    await page.getByTestId('model-hub-id').fill(name);
    await page.getByTestId('model-load').click();
    const error = page.getByTestId('model-error');
    await error.waitFor();
    expect(await error.textContent()).toContain(name);
    expect(await error.locator('img, b').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __injected?: number }).__injected)).toBeUndefined();
    await error.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('with the network cut: reopens from the offline copy, loads the model from the cache and runs 20 cases without a request leaving', async () => {
    await hub.close();
    phase = 'offline';
    await browser.context.setOffline(true);
    await page.reload();
    await page.getByTestId('model-hub-id').waitFor({ timeout: 60_000 });

    const env = await page.evaluate(() => ({
      onLine: navigator.onLine,
      controlled: navigator.serviceWorker.controller !== null,
      isolated: crossOriginIsolated,
    }));
    expect(env).toEqual({ onLine: false, controlled: true, isolated: true });
    // Offline mode is on by itself: the page opened without network.
    await expect(page.getByTestId('offline-toggle').getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await counter(page).textContent()).toBe('0');

    await loadModel(page);
    for (const m of ['GD', 'PS', 'MC'] as const) {
      const box = page.getByTestId(`method-${m}`);
      if ((await box.isChecked()) !== (m === 'GD')) await box.click();
    }
    await page.getByTestId('run-start').click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 300_000, interval: 250 })
      .toMatch(/Complete|Stopped/);
    expect(await page.getByTestId('run-status').textContent()).toBe('Complete');
    expect(await page.getByTestId('run-done-count').textContent()).toBe(`${2 * PAIRS}/${2 * PAIRS}`);

    // Zero requests left the origin: none seen by the browser, none intercepted, none counted.
    expect(await settledCount(page)).toBe(0);
    expect(seen.offline.external).toEqual([]);
    expect(seen.offline.aborted).toEqual([]);
    // Same-origin requests that reached the network layer (failing: offline) rather than the copy.
    console.log(
      `offline phase: ${seen.offline.external.length} external requests, ${seen.offline.aborted.length} aborted, ` +
        `same-origin to network: ${JSON.stringify(seen.offline.sameOriginToNetwork)}; ` +
        `refused: ${(await page.getByTestId('network-blocked-count').count()) > 0 ? await page.getByTestId('network-blocked-count').textContent() : 'none'}`,
    );
    expect(seen.offline.sameOriginToNetwork.filter((u) => !u.endsWith('/sw.js'))).toEqual([]);
    expect(hubRequestsOnline).toBeGreaterThan(0);
    await headerShot(page, 'offline-header-offline');
    await shot(page, 'offline-run-complete');
  });

  it('offline mode narrows the page policy to its own origin (the hub too)', async () => {
    const directive = await page.evaluate(async () => {
      const seenDirectives: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => seenDirectives.push(e.effectiveDirective));
      await fetch('https://huggingface.co/api/whoami').catch(() => undefined);
      const deadline = performance.now() + 10_000;
      while (seenDirectives.length === 0 && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      return seenDirectives;
    });
    expect(directive).toEqual(['connect-src']);
    expect(seen.offline.external).toEqual([]);
    expect(seen.offline.aborted).toEqual([]);
    expect(await counter(page).textContent()).toBe('0');
  });

  it('storage manager: sizes and quota; deleting the model files and the images keeps every result', async () => {
    await page.getByTestId('tab-results').click();
    const row = page.locator('[data-testid=results-row][data-run-id]');
    await row.first().waitFor({ timeout: 60_000 });
    const runId = await row.first().getAttribute('data-run-id');
    const valuesBefore = await row.first().locator('.value').allTextContents();
    expect(valuesBefore.length).toBeGreaterThan(0);

    await page.getByTestId('tab-storage').click();
    const view = page.getByTestId('storage-view');
    await expect.poll(() => view.getAttribute('data-status'), { timeout: 60_000 }).toBe('ready');
    const modelRow = page.locator(`[data-testid=storage-model-row][data-repo="${REPO}"]`);
    await modelRow.waitFor();
    const modelBytes = Number(await modelRow.getByTestId('storage-model-bytes').getAttribute('data-bytes'));
    expect(modelBytes).toBeGreaterThan(500_000);
    await expect(page.getByTestId('storage-images-count').getAttribute('data-count')).resolves.toBe(
      String(imageCount),
    );
    const runRow = page.locator(`[data-testid=storage-run-row][data-run-id="${runId}"]`);
    await expect(runRow.getByTestId('storage-run-cases').textContent()).resolves.toBe(String(2 * PAIRS));
    await expect(page.getByTestId('storage-usage').textContent()).resolves.toMatch(/used of .* available/);
    await expect(page.getByTestId('storage-persisted').textContent()).resolves.toMatch(/Persistent storage:/);
    await expect(page.getByTestId('storage-app-cache').textContent()).resolves.toContain(
      `${manifest.files.length} files`,
    );
    console.log(
      `storage: model ${modelBytes} bytes, ${await page.getByTestId('storage-images-bytes').textContent()} of images, ` +
        `${await page.getByTestId('storage-usage').textContent()}`,
    );
    await shot(page, 'storage-tab');

    await modelRow.getByTestId('storage-model-delete').click();
    await page.getByTestId('storage-models-empty').waitFor({ timeout: 30_000 });
    await page.getByTestId('storage-images-delete').click();
    await expect
      .poll(() => page.getByTestId('storage-images-count').getAttribute('data-count'), { timeout: 30_000 })
      .toBe('0');
    await expect(runRow.getByTestId('storage-run-cases').textContent()).resolves.toBe(String(2 * PAIRS));
    const modelFilesLeft = await page.evaluate(async (repo) => {
      const cache = await caches.open('transformers-cache');
      return (await cache.keys()).filter((r) => r.url.includes(`/${repo}/resolve/`)).length;
    }, REPO);
    expect(modelFilesLeft).toBe(0);
    await shot(page, 'storage-tab-after-delete');

    await page.getByTestId('tab-results').click();
    await row.first().waitFor({ timeout: 60_000 });
    expect(await row.first().getAttribute('data-run-id')).toBe(runId);
    expect(await row.first().locator('.value').allTextContents()).toEqual(valuesBefore);

    // With the files gone, offline mode says so instead of reaching for the network.
    await page.getByTestId('tab-run').click();
    await page.getByTestId('model-hub-id').fill(REPO);
    await page.getByTestId('model-load').click();
    await page.getByTestId('model-error').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('model-error').textContent()).toContain('not in the offline cache');
    expect(await settledCount(page)).toBe(0);
    expect(seen.offline.external).toEqual([]);
    expect(seen.offline.aborted).toEqual([]);
  });
});
