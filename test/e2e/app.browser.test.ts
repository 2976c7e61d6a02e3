// The evaluation app end to end, as a user drives it: the built app in headless Chromium, the
// generated model downloaded from a local server acting as the hub, generated images imported
// through the UI. A full 352-case GD+PS run is reloaded in the middle and resumes without
// computing any case twice; its metrics equal an uninterrupted CLI run; a second tab cannot start
// the same run; missing images are reported; exported results re-import to the same numbers.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import type { Page } from 'playwright-core';
import { computeMetrics, pairAnswersFromRecords } from '../../src/core/metrics.ts';
import type { CaseRecord, Method } from '../../src/core/types.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { FIXTURES_DIR, IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { blindBaseline } from '../../src/core/blind.ts';
import { startHubServer, type HubServer } from '../support/hubServer.ts';

const ARTIFACTS = path.resolve('test-artifacts');
const dataset = officialDataset();
const METHODS: Method[] = ['GD', 'PS'];
const TOTAL = dataset.pairs.length * 2 * METHODS.length;

let outDir: string;
let server: PreviewServer;
let appUrl: string;
let hub: HubServer;
let browser: LaunchedBrowser;
let page: Page;
let allImages: string[];
let exportedRecords: CaseRecord[] = [];

interface StoredCase {
  key: string;
  runId: string;
  computedAt: number;
}

/** Every stored case of the app's database, read in the page through IndexedDB itself. */
async function storedCases(p: Page): Promise<StoredCase[]> {
  return p.evaluate(
    () =>
      new Promise<StoredCase[]>((resolve, reject) => {
        const open = indexedDB.open('mediconfusion');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction('cases').objectStore('cases').getAll();
          req.onsuccess = () => {
            resolve(
              (req.result as StoredCase[]).map((c) => ({
                key: c.key,
                runId: c.runId,
                computedAt: c.computedAt,
              })),
            );
            db.close();
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

type FullStoredCase = CaseRecord & { key: string; runId: string; promptHash?: string };

/** Every stored case with all its fields, and every run record, read through IndexedDB itself. */
async function storedEverything(p: Page): Promise<{
  cases: FullStoredCase[];
  runs: {
    id: string;
    promptHashes: Record<string, string>;
    runCard: Record<string, unknown>;
    imageCondition?: string;
  }[];
}> {
  return p.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('mediconfusion');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['cases', 'runs']);
          const cases = tx.objectStore('cases').getAll();
          const runs = tx.objectStore('runs').getAll();
          tx.oncomplete = () => {
            resolve({ cases: cases.result, runs: runs.result });
            db.close();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

async function shot(p: Page, name: string) {
  await p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function openRunTab(p: Page) {
  await p.goto(`${appUrl}/?hub=${encodeURIComponent(hub.url)}&device=wasm&dtype=fp32#run`);
  await p.getByTestId('model-hub-id').waitFor();
}

async function loadModel(p: Page) {
  await p.getByTestId('model-hub-id').fill('test-org/tiny-smolvlm');
  await p.getByTestId('model-device').selectOption('wasm');
  await p.getByTestId('model-dtype').selectOption('fp32');
  await p.getByTestId('model-load').click();
  await expect
    .poll(() => p.getByTestId('model-status').textContent(), { timeout: 120_000 })
    .toMatch(/Loaded/);
}

async function chooseMethods(p: Page) {
  for (const m of ['GD', 'PS', 'MC'] as const) {
    const box = p.getByTestId(`method-${m}`);
    if ((await box.isChecked()) !== METHODS.includes(m)) await box.click();
  }
}

async function doneCount(p: Page): Promise<number> {
  const text =
    (await p
      .getByTestId('run-done-count')
      .textContent({ timeout: 1000 })
      .catch(() => null)) ?? '0/0';
  return Number(text.split('/')[0]);
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  outDir = await mkdtemp(path.join(tmpdir(), 'app-build-'));
  await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no port');
  appUrl = `http://127.0.0.1:${address.port}`;
  hub = await startHubServer({
    'test-org/tiny-smolvlm': TINY_MODEL_DIR,
    'test-org/tiny-judge': path.join(FIXTURES_DIR, 'models', 'tiny-judge'),
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  allImages = (await readdir(IMAGES_DIR))
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => path.join(IMAGES_DIR, f));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
  await hub?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('the evaluation app', () => {
  it('lists the 176 pairs', async () => {
    await page.goto(`${appUrl}/#pairs`);
    await expect.poll(() => page.getByTestId('pair-row').count(), { timeout: 60_000 }).toBe(176);
    await shot(page, 'pairs');
  });

  it('reports exactly which pairs lack images', async () => {
    await openRunTab(page);
    const missing = dataset.pairs[3]!.im2Local;
    const affected = dataset.pairs
      .filter((p) => p.im1Local === missing || p.im2Local === missing)
      .map((p) => p.id);
    await page
      .getByTestId('images-files-input')
      .setInputFiles(allImages.filter((f) => !f.endsWith(`/${missing}.jpg`)));
    await expect
      .poll(() => page.getByTestId('images-present-count').textContent(), { timeout: 60_000 })
      .toMatch(/227 of 228/);
    const report = (await page.getByTestId('images-missing-pairs').textContent()) ?? '';
    for (const id of affected) expect(report).toContain(id);
    await page.getByTestId('images-files-input').setInputFiles(allImages);
    await expect
      .poll(() => page.getByTestId('images-present-count').textContent(), { timeout: 60_000 })
      .toMatch(/228 of 228/);
  });

  it('runs 352 cases with GD and PS, resumes after a reload without recomputing, and blocks a second tab', async () => {
    await loadModel(page);
    await chooseMethods(page);

    // A second tab, ready to start the same evaluation.
    const second = await browser.context.newPage();
    await openRunTab(second);
    await loadModel(second);
    await chooseMethods(second);

    await page.getByTestId('run-start').click();
    await expect.poll(() => doneCount(page), { timeout: 120_000 }).toBeGreaterThan(0);
    await second.getByTestId('run-start').click();
    await second.getByTestId('run-locked-notice').waitFor({ state: 'visible', timeout: 60_000 });
    await shot(second, 'run-second-tab-locked');
    await second.close();

    await expect.poll(() => doneCount(page), { timeout: 300_000, interval: 100 }).toBeGreaterThanOrEqual(150);
    await shot(page, 'run-in-progress');
    await page.reload();
    const beforeResume = await storedCases(page);
    expect(beforeResume.length).toBeGreaterThanOrEqual(150);
    expect(beforeResume.length).toBeLessThan(TOTAL);

    await page.getByTestId('model-hub-id').waitFor();
    await shot(page, 'run-interrupted');
    await loadModel(page);
    await page.getByTestId('run-resume').click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 600_000 })
      .toBe('Complete');
    await shot(page, 'run-complete');

    const after = await storedCases(page);
    const runId = beforeResume[0]!.runId;
    const ofRun = after.filter((c) => c.runId === runId);
    expect(ofRun).toHaveLength(TOTAL);
    expect(new Set(ofRun.map((c) => c.key)).size).toBe(TOTAL);
    // A case computed again would carry a new computedAt: none does.
    const byKey = new Map(ofRun.map((c) => [c.key, c.computedAt]));
    const recomputed = beforeResume.filter((c) => byKey.get(c.key) !== c.computedAt);
    expect(recomputed).toEqual([]);
  });

  it('shows results beside the paper, equal to an uninterrupted CLI run, and re-imports exports to the same numbers', async () => {
    await page.goto(`${appUrl}/#results`);
    await page.getByTestId('results-table1').waitFor({ timeout: 60_000 });
    await shot(page, 'results');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('results-export-bundle').first().click(),
    ]);
    const bundlePath = path.join(ARTIFACTS, 'results-bundle.json');
    await download.saveAs(bundlePath);
    const bundle = JSON.parse(await readFile(bundlePath, 'utf8')) as { records: CaseRecord[] };
    expect(bundle.records).toHaveLength(TOTAL);
    exportedRecords = bundle.records;

    const cliOut = path.join(await mkdtemp(path.join(tmpdir(), 'cli-')), 'tiny.json');
    await promisify(execFile)(
      'npx',
      [
        'tsx',
        'scripts/eval.ts',
        '--model',
        TINY_MODEL_DIR,
        '--images',
        IMAGES_DIR,
        '--methods',
        'gd,ps',
        '--out',
        cliOut,
        '--quiet',
      ],
      { maxBuffer: 1 << 24 },
    );
    const cli = JSON.parse(await readFile(cliOut, 'utf8')) as { records: CaseRecord[] };
    for (const m of METHODS) {
      const app = computeMetrics(dataset, pairAnswersFromRecords(bundle.records, m));
      const ref = computeMetrics(dataset, pairAnswersFromRecords(cli.records, m));
      expect(app.setAccuracy).toBe(ref.setAccuracy);
      expect(app.individualAccuracy).toBe(ref.individualAccuracy);
      expect(app.confusion).toBe(ref.confusion);
      expect(app.byCategory).toEqual(ref.byCategory);
    }

    // Re-import the exported bundle: the imported run's Table 1 row shows the same numbers.
    const originalRow = page.locator('[data-testid=results-row][data-run-id]').first();
    const originalValues = await originalRow.locator('.value').allTextContents();
    await page.getByTestId('results-import-input').setInputFiles(bundlePath);
    await expect
      .poll(() => page.locator('[data-testid=results-row][data-run-id]').count(), { timeout: 60_000 })
      .toBe(2);
    const rows = page.locator('[data-testid=results-row][data-run-id]');
    const values = await Promise.all([0, 1].map((i) => rows.nth(i).locator('.value').allTextContents()));
    expect(values[0]).toEqual(originalValues);
    expect(values[1]).toEqual(originalValues);
    await shot(page, 'results-reimported');
  });

  it('explores the run: a pair by URL, keyboard navigation, and confused pairs counted as in the metrics', async () => {
    await page.goto(`${appUrl}/#explorer?pair=10003&method=GD`);
    const pair = page.getByTestId('explorer-pair');
    await pair.waitFor({ timeout: 60_000 });
    await expect(pair.getAttribute('data-pair-id')).resolves.toBe('10003');
    await expect
      .poll(() => page.getByTestId('explorer-answer-1').getAttribute('data-answer'))
      .toMatch(/^[AB]$/);
    await shot(page, 'explorer-pair');
    await page.locator('body').press('ArrowRight');
    await expect.poll(() => pair.getAttribute('data-pair-id')).toBe(dataset.pairs[3]!.id);
    await page.goBack();
    await expect.poll(() => pair.getAttribute('data-pair-id')).toBe('10003');

    const confused = computeMetrics(dataset, pairAnswersFromRecords(exportedRecords, 'GD')).counts
      .confusedPairs;
    await page.getByTestId('explorer-filter-method').selectOption('GD');
    await page.getByTestId('explorer-filter-outcome').selectOption('confused');
    await expect
      .poll(() => page.getByTestId('explorer-count').textContent(), { timeout: 60_000 })
      .toBe(`${confused} pair${confused === 1 ? '' : 's'}`);
    expect(page.url()).toContain('outcome=confused');
    // A link without a run, followed inside the open explorer, filters the run being shown.
    await page.goto(`${appUrl}/#explorer?method=GD`);
    await expect.poll(() => page.getByTestId('explorer-count').textContent()).toBe('176 pairs');
    await page.goto(`${appUrl}/#explorer?method=GD&outcome=confused`);
    await expect
      .poll(() => page.getByTestId('explorer-count').textContent(), { timeout: 60_000 })
      .toBe(`${confused} pair${confused === 1 ? '' : 's'}`);
    // The same view opened from a link in a fresh tab (a teacher's slide).
    const linked = await browser.context.newPage();
    await linked.goto(page.url());
    await expect
      .poll(() => linked.getByTestId('explorer-count').textContent(), { timeout: 60_000 })
      .toBe(`${confused} pair${confused === 1 ? '' : 's'}`);
    await linked.close();
    await page.goto(`${appUrl}/#explorer?method=GD&view=scatter`);
    await page.getByTestId('explorer-scatter').waitFor();
    await shot(page, 'explorer-scatter');
  });

  it('runs FF with a local judge and the blind baseline, and shows both', async () => {
    // FF (an answer plus a judge's reply per case) runs only where images are stored: keep the
    // images of a few pairs, so the test stays short. The blind baseline needs no image at all.
    const keep = new Set(dataset.pairs.slice(0, 6).flatMap((p) => [p.im1Local, p.im2Local]));
    const ffPairs = dataset.pairs.filter((p) => keep.has(p.im1Local) && keep.has(p.im2Local));
    await page.evaluate(
      (kept) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('mediconfusion');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction('images', 'readwrite');
            const store = tx.objectStore('images');
            const keys = store.getAllKeys();
            keys.onsuccess = () => {
              for (const key of keys.result) if (!kept.includes(String(key))) store.delete(key);
            };
            tx.oncomplete = () => {
              db.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
        }),
      [...keep],
    );
    await openRunTab(page);
    await loadModel(page);
    await expect(page.getByTestId('method-FF').isDisabled()).resolves.toBe(true);
    await page.getByTestId('judge-hub-id').fill('test-org/tiny-judge');
    await page.getByTestId('judge-load').click();
    await expect
      .poll(() => page.getByTestId('judge-status').textContent(), { timeout: 120_000 })
      .toMatch(/Loaded test-org\/tiny-judge/);
    // Short answers keep the test fast; the setting is part of the FF cases' identity.
    await page.getByTestId('ff-max-tokens').fill('4');
    for (const m of ['GD', 'PS', 'MC', 'FF'] as const) {
      const box = page.getByTestId(`method-${m}`);
      if ((await box.isChecked()) !== (m !== 'MC')) await box.click();
    }
    await page.getByTestId('method-blind').check();
    await page.getByTestId('run-start').click();
    // The blind run goes first; the main run ends the sequence.
    // A loop, not expect.poll: a failed run must end the test at once (poll retries on throws).
    const deadline = Date.now() + 600_000;
    for (;;) {
      const status = await page.getByTestId('run-status').textContent();
      if (status === 'Stopped by an error') {
        await shot(page, 'run-ff-blind-failed');
        throw new Error(`run failed: ${await page.getByTestId('run-error').textContent()}`);
      }
      const line =
        (await page.locator('p.run-status-line:has([data-testid=run-status])').textContent()) ?? '';
      if (status === 'Complete' && !line.includes('blank image')) break;
      if (Date.now() > deadline) throw new Error(`the runs did not finish: ${line}`);
      await page.waitForTimeout(500);
    }
    await shot(page, 'run-ff-blind-complete');

    const { cases, runs } = await storedEverything(page);
    const blindRun = runs.find((r) => r.imageCondition === 'blank');
    expect(blindRun).toBeDefined();
    const mainRunId = blindRun!.runCard['blindOf'] as string;
    const mainRun = runs.find((r) => r.id === mainRunId)!;
    expect(mainRun).toBeDefined();
    const pairs = dataset.pairs.length;
    const ff = cases.filter(
      (c) => c.runId === mainRunId && c.method === 'FF' && c.promptHash === mainRun.promptHashes['FF'],
    );
    expect(ff).toHaveLength(ffPairs.length * 2);
    for (const c of ff) {
      expect(typeof c.judge?.rawText).toBe('string');
      expect(c.generatedText).toBeTypeOf('string');
    }
    const blankCases = cases.filter((c) => c.runId === blindRun!.id);
    expect(blankCases).toHaveLength(pairs * 2 * 2);
    const realCases = cases.filter(
      (c) => c.runId === mainRunId && c.promptHash === mainRun.promptHashes[c.method],
    );

    await page.goto(`${appUrl}/#results`);
    await page.getByTestId('results-blind').waitFor({ timeout: 60_000 });
    await shot(page, 'results-blind');
    for (const method of ['GD', 'PS'] as const) {
      const expected = blindBaseline(dataset, realCases, blankCases, method);
      expect(expected.casesCompared).toBe(pairs * 2);
      const row = page.locator(
        `[data-testid=results-blind-row][data-run-id="${mainRunId}"][data-method=${method}]`,
      );
      const cell = (col: string) => row.locator(`[data-col=${col}]`).textContent();
      await expect(cell('real')).resolves.toBe(`${expected.realAccuracy.toFixed(1)} %`);
      await expect(cell('blank')).resolves.toBe(`${expected.blankAccuracy.toFixed(1)} %`);
      await expect(cell('unchanged')).resolves.toBe(`${expected.unchangedShare.toFixed(1)} %`);
    }
    // The blind run is no row of its own in Table 1.
    await expect(
      page.locator(`[data-testid=results-row][data-run-id="${blindRun!.id}"]`).count(),
    ).resolves.toBe(0);

    const pair = dataset.pairs[0]!;
    await page.goto(`${appUrl}/#explorer?run=${mainRunId}&pair=${pair.id}&method=FF`);
    await page.getByTestId('explorer-judge-1').waitFor({ timeout: 60_000 });
    const judged = ff.find((c) => c.pairId === pair.id && c.slot === 1)!;
    await expect(page.getByTestId('explorer-judge-1').textContent()).resolves.toContain(
      judged.judge!.rawText.trim().slice(0, 20),
    );
    await page.getByTestId('explorer-judge-2').waitFor();
    await page.goto(`${appUrl}/#explorer?run=${mainRunId}&pair=${pair.id}&method=GD`);
    for (const slot of [1, 2] as const) {
      const blank = blankCases.find((c) => c.pairId === pair.id && c.slot === slot && c.method === 'GD')!;
      await expect
        .poll(() => page.getByTestId(`explorer-blank-answer-${slot}`).getAttribute('data-answer'), {
          timeout: 60_000,
        })
        .toBe(blank.answer ?? 'invalid');
    }
    await shot(page, 'explorer-ff-blind');
  }, 900_000);
});
