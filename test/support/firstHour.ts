// Shared steps of the "first hour" browser tests (test/e2e/firstHour*.browser.test.ts): the built
// app behind vite preview, the generated model behind a local hub, a fresh browser profile per
// test, and the few things a new user does in the Run tab (load the model, import images, choose
// methods, run to the end), driven through the UI only.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, preview, type PreviewServer } from 'vite';
import type { Page } from 'playwright-core';
import type { Method } from '../../src/core/types.ts';
import { launchChromium, type LaunchedBrowser } from './browser.ts';
import { IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from './fixtures.ts';
import { startHubServer, type HubServer } from './hubServer.ts';
import { storedRecords } from './appDb.ts';

export const ARTIFACTS = path.resolve('test-artifacts');
export const REPO = 'test-org/tiny-smolvlm';

export interface App {
  url: string;
  hub: HubServer;
  /** The Run tab with the local hub, as a user's bookmark would open it. */
  runUrl: string;
  close(): Promise<void>;
}

/** Builds the app, serves it with vite preview, and serves the generated model as a hub. */
export async function startApp(): Promise<App> {
  await mkdir(ARTIFACTS, { recursive: true });
  const outDir = await mkdtemp(path.join(tmpdir(), 'first-hour-build-'));
  await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no port');
  const url = `http://127.0.0.1:${address.port}`;
  const hub = await startHubServer({ [REPO]: TINY_MODEL_DIR });
  return {
    url,
    hub,
    runUrl: `${url}/?hub=${encodeURIComponent(hub.url)}#run`,
    close: async () => {
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
      await hub.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser profile (nothing stored) and a page in it. */
export async function freshPage(
  size: { width: number; height: number } = { width: 1366, height: 768 },
): Promise<{ browser: LaunchedBrowser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.setViewportSize(size);
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  return { browser, page };
}

export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

/** Polls `read` until `ok` holds (usable in hooks, where expect.poll is not), else throws. */
export async function until<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Loads the generated model from the local hub through the Run tab (wasm; fp32 unless told). */
export async function loadModel(page: Page, dtype = 'fp32'): Promise<void> {
  await page.getByTestId('model-hub-id').fill(REPO);
  await page.getByTestId('model-device').selectOption('wasm');
  await page.getByTestId('model-dtype').selectOption(dtype);
  await page.getByTestId('model-load').click();
  const status = await until(
    async () =>
      (await page.getByTestId('model-error').count()) > 0
        ? `error: ${await page.getByTestId('model-error').textContent()}`
        : ((await page.getByTestId('model-status').textContent()) ?? ''),
    (s) => /^Loaded|^error/.test(s),
    'the model did not load',
    180_000,
  );
  if (!status.startsWith('Loaded')) throw new Error(`the model did not load: ${status}`);
}

/**
 * Image files such that exactly the first `n` runnable pairs have both images (pairs share
 * images, so a pair that would complete more pairs than wanted is skipped).
 */
export function imagesForPairs(n: number): { pairIds: string[]; files: string[] } {
  const dataset = officialDataset();
  const chosen = new Set<string>();
  for (const pair of dataset.pairs) {
    const next = new Set([...chosen, pair.im1Local, pair.im2Local]);
    const count = dataset.pairs.filter((p) => next.has(p.im1Local) && next.has(p.im2Local)).length;
    if (count > n) continue;
    for (const id of next) chosen.add(id);
    if (count === n) break;
  }
  const pairIds = dataset.pairs
    .filter((p) => chosen.has(p.im1Local) && chosen.has(p.im2Local))
    .map((p) => p.id);
  return { pairIds, files: [...chosen].map((id) => path.join(IMAGES_DIR, `${id}.jpg`)) };
}

/** Every generated image (all 228). */
export function allImages(): string[] {
  const dataset = officialDataset();
  const ids = new Set(dataset.pairs.flatMap((p) => [p.im1Local, p.im2Local]));
  return [...ids].map((id) => path.join(IMAGES_DIR, `${id}.jpg`));
}

/** Imports image files through the Run tab and waits until the count shows them. */
export async function importImages(page: Page, files: string[]): Promise<void> {
  const before = (await page.getByTestId('images-present-count').textContent()) ?? '';
  await page.getByTestId('images-files-input').setInputFiles(files);
  const count = async () => (await page.getByTestId('images-present-count').textContent()) ?? '';
  await until(count, (t) => t !== before, 'the images were not imported');
  await until(
    async () => Number(/^(\d+) of/.exec(await count())?.[1]),
    (n) => n >= Math.min(files.length, 228),
    'the images were not all counted',
  );
}

export async function chooseMethods(page: Page, methods: readonly Method[], blind = false): Promise<void> {
  for (const m of ['GD', 'PS', 'MC'] as const) {
    const box = page.getByTestId(`method-${m}`);
    if ((await box.isChecked()) !== methods.includes(m)) await box.click();
  }
  const blindBox = page.getByTestId('method-blind');
  if ((await blindBox.isChecked()) !== blind) await blindBox.click();
}

/** Waits for the run (and a blind sibling before it) to end; throws at once on a failed run. */
export async function waitForRunEnd(page: Page, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await page.getByTestId('run-status').textContent();
    if (status === 'Stopped by an error') {
      throw new Error(`run failed: ${await page.getByTestId('run-error').textContent()}`);
    }
    const line = (await page.locator('p.run-status-line:has([data-testid=run-status])').textContent()) ?? '';
    if (status === 'Complete' && !line.includes('blank image')) return;
    if (Date.now() > deadline) throw new Error(`the run did not finish: ${line}`);
    await page.waitForTimeout(250);
  }
}

export interface StoredCase {
  key: string;
  runId: string;
  pairId: string;
  slot: number;
  method: Method;
  answer: 'A' | 'B' | null;
}

export interface StoredRun {
  id: string;
  label: string;
  name?: string;
  dtype: string;
  methods: Method[];
  imported: boolean;
  imageCondition?: string;
  runCard: Record<string, unknown>;
}

/** Every stored case and run, read in the page through IndexedDB itself. */
export function stored(page: Page): Promise<{ cases: StoredCase[]; runs: StoredRun[] }> {
  return storedRecords<StoredCase, StoredRun>(page);
}
