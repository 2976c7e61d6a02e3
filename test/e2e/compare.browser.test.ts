// Comparing two runs in the app, end to end: the built app in headless Chromium runs the SmolVLM
// replica (served by a local hub) on ten pairs with GD and PS, once in fp32 and once in q4; the
// Results tab's "Compare two runs" shows per method the flipped answers, the agreement with its
// interval and set accuracy A → B with McNemar's b, c and p, equal to core/results/runComparison
// on the cases the page stored; and its link opens the Explorer filtered to the flipped pairs.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import type { Page } from 'playwright-core';
import { COMPARISON_COLUMNS, comparisonRow } from '../../src/core/results/comparisonTable.ts';
import { compareRuns, type RunComparison } from '../../src/core/results/runComparison.ts';
import type { RunRecord, StoredCase } from '../../src/core/run/records.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { IMAGES_DIR, officialDataset } from '../support/fixtures.ts';
import { startHubServer, type HubServer } from '../support/hubServer.ts';
import { replicaDir } from '../support/replicaSuite.ts';
import { storedRecords } from '../support/appDb.ts';

const ARTIFACTS = path.resolve('test-artifacts');
const dataset = officialDataset();
const PAIRS = dataset.pairs.slice(0, 10);
const HUB_ID = 'test-org/replica-smolvlm';

let outDir: string;
let server: PreviewServer;
let appUrl: string;
let hub: HubServer;
let browser: LaunchedBrowser;
let page: Page;

/** Every run record and stored case of the app's database, read through IndexedDB itself. */
function stored(p: Page): Promise<{ runs: RunRecord[]; cases: StoredCase[] }> {
  return storedRecords<StoredCase, RunRecord>(p);
}

async function runWithDtype(p: Page, dtype: 'fp32' | 'q4') {
  await p.getByTestId('model-hub-id').fill(HUB_ID);
  await p.getByTestId('model-device').selectOption('wasm');
  await p.getByTestId('model-dtype').selectOption(dtype);
  await p.getByTestId('model-load').click();
  await expect
    .poll(() => p.getByTestId('model-status').textContent(), { timeout: 180_000 })
    .toMatch(new RegExp(`Loaded.*${dtype}`));
  for (const m of ['GD', 'PS', 'MC'] as const) {
    const box = p.getByTestId(`method-${m}`);
    if ((await box.isChecked()) !== (m !== 'MC')) await box.click();
  }
  await p.getByTestId('run-start').click();
  // The status may still say "Complete" from the previous run: wait for this dtype's run record.
  await expect
    .poll(async () => (await stored(p)).runs.some((r) => r.dtype === dtype && r.status === 'complete'), {
      timeout: 600_000,
    })
    .toBe(true);
  await expect.poll(() => p.getByTestId('run-status').textContent(), { timeout: 60_000 }).toBe('Complete');
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  outDir = await mkdtemp(path.join(tmpdir(), 'compare-build-'));
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
  hub = await startHubServer({ [HUB_ID]: replicaDir('replica-smolvlm') });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
  await hub?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('comparing an fp32 and a q4 run of the SmolVLM replica', () => {
  let comparison: RunComparison;

  it('runs ten pairs with GD and PS in fp32 and in q4', async () => {
    await page.goto(`${appUrl}/?hub=${encodeURIComponent(hub.url)}&device=wasm&dtype=fp32#run`);
    await page.getByTestId('model-hub-id').waitFor();
    const images = [...new Set(PAIRS.flatMap((p) => [p.im1Local, p.im2Local]))];
    await page
      .getByTestId('images-files-input')
      .setInputFiles(images.map((id) => path.join(IMAGES_DIR, `${id}.jpg`)));
    await expect
      .poll(() => page.getByTestId('images-present-count').textContent(), { timeout: 60_000 })
      .toMatch(new RegExp(`${images.length} of 228`));
    await runWithDtype(page, 'fp32');
    await runWithDtype(page, 'q4');
    const { runs, cases } = await stored(page);
    expect(runs.map((r) => r.dtype).sort()).toEqual(['fp32', 'q4']);
    const of = (dtype: string) => {
      const run = runs.find((r) => r.dtype === dtype)!;
      return { run, cases: cases.filter((c) => c.runId === run.id) };
    };
    expect(of('fp32').cases).toHaveLength(PAIRS.length * 2 * 2);
    expect(of('q4').cases).toHaveLength(PAIRS.length * 2 * 2);
    const result = compareRuns(of('fp32'), of('q4'), dataset);
    if (!result.comparable) throw new Error(result.reasons.join(' '));
    comparison = result;
    // 4-bit weights change some GD answers of the random-weight replica (README: 18 of 20 agree).
    expect(comparison.methods.find((m) => m.method === 'GD')!.casesFlipped).toBeGreaterThan(0);
  });

  it('shows the comparison in the Results tab, as the core computes it from the stored cases', async () => {
    await page.goto(`${appUrl}/#results`);
    const panel = page.getByTestId('compare-panel');
    await panel.waitFor({ timeout: 60_000 });
    await page.getByTestId('compare-a').selectOption(comparison.a.id);
    await page.getByTestId('compare-b').selectOption(comparison.b.id);
    await expect
      .poll(() => page.getByTestId('compare-differences').textContent(), { timeout: 30_000 })
      .toContain('differs in: dtype fp32 → q4');
    expect(await page.getByTestId('compare-table').locator('thead th').allTextContents()).toEqual([
      ...COMPARISON_COLUMNS,
      'Flipped pairs',
    ]);
    for (const m of comparison.methods) {
      const row = page.locator(`[data-testid=compare-row][data-method=${m.method}]`);
      const cells = [await row.locator('th').textContent(), ...(await row.locator('td').allTextContents())];
      expect(cells.slice(0, COMPARISON_COLUMNS.length)).toEqual(comparisonRow(m));
    }
    await page.getByTestId('compare-panel').screenshot({ path: path.join(ARTIFACTS, 'compare-panel.png') });
  });

  it('opens the Explorer filtered to the flipped pairs', async () => {
    const gd = comparison.methods.find((m) => m.method === 'GD')!;
    await page
      .locator('[data-testid=compare-row][data-method=GD] [data-testid=compare-explorer-link]')
      .click();
    await expect
      .poll(() => page.getByTestId('explorer-count').textContent(), { timeout: 30_000 })
      .toBe(`${gd.flippedPairIds.length} ${gd.flippedPairIds.length === 1 ? 'pair' : 'pairs'}`);
    expect(await page.getByTestId('explorer-filter-flipped').isChecked()).toBe(true);
    expect(await page.getByTestId('explorer-run-select').inputValue()).toBe(comparison.a.id);
    expect(await page.getByTestId('explorer-compare-select').inputValue()).toBe(comparison.b.id);
    expect(page.url()).toContain('flipped=1');
    // Unticking the filter shows all 176 pairs again.
    await page.getByTestId('explorer-filter-flipped').click();
    await expect.poll(() => page.getByTestId('explorer-count').textContent()).toBe('176 pairs');
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare-explorer.png'), fullPage: true });
  });
});
