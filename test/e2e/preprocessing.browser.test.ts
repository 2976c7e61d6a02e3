// Image preprocessing in the app, as a user drives it: the split SmolVLM replica loaded from a local
// server acting as the hub, three images imported through the UI. The loaded model card names the
// preprocessing its repo configures; a GD run's card in the Results tab records it with the views
// measured per image (9–17, worked out by hand in test/engine/preprocessing.test.ts); "single view"
// in the Run tab is another run id, and its run card shows one view per image and that it is not
// comparable with the paper. A model that never splits offers no single view and says why.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { startDevServer } from '../support/devServer.ts';
import { IMAGES_DIR, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { startHubServer, type HubServer } from '../support/hubServer.ts';
import { replicaDir } from '../support/replicaSuite.ts';
import { storedRunStatus } from '../support/appDb.ts';

/** The images of pairs 10001 and 10002: 20192 is 17 views, 20053 and 20014 are 9. */
const IMAGES = ['20192', '20053', '20014'];

let server: ViteDevServer;
let appUrl: string;
let hub: HubServer;
let browser: LaunchedBrowser;
let page: Page;

beforeAll(async () => {
  ({ server, url: appUrl } = await startDevServer());
  hub = await startHubServer({
    'test-org/replica-smolvlm': replicaDir('replica-smolvlm'),
    'test-org/tiny-smolvlm': TINY_MODEL_DIR,
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await hub?.close();
});

async function loadModel(repoId: string) {
  await page.getByTestId('model-hub-id').fill(repoId);
  await page.getByTestId('model-device').selectOption('wasm');
  await page.getByTestId('model-dtype').selectOption('fp32');
  await page.getByTestId('model-load').click();
  await expect
    .poll(() => page.getByTestId('model-status').textContent(), { timeout: 180_000 })
    .toMatch(/Loaded/);
  await expect
    .poll(() => page.getByTestId('loaded-preprocessing').textContent())
    .toContain(repoId.includes('replica') ? 'do_image_splitting true' : 'do_image_splitting false');
}

const storedStatus = (runId: string) => storedRunStatus(page, runId);

async function runToCompletion(): Promise<string> {
  await expect.poll(() => page.getByTestId('run-preview-id').count(), { timeout: 60_000 }).toBe(1);
  const runId = (await page.getByTestId('run-preview-id').getAttribute('data-run-id'))!;
  await page.getByTestId('run-start').click();
  // The status may still say "Complete" from the previous run: wait for this run's record.
  await expect.poll(() => storedStatus(runId), { timeout: 600_000 }).toBe('complete');
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toBe('Complete');
  return runId;
}

/** The Results tab's run card of `runId`, as term → lines. */
async function runCard(runId: string): Promise<Record<string, string[]>> {
  await page.goto(`${appUrl}/#results`);
  await page.getByTestId('results-detail-run').selectOption(runId, { timeout: 60_000 });
  const card = page.getByTestId('results-run-card');
  await expect.poll(() => card.textContent(), { timeout: 30_000 }).toContain(runId);
  return card
    .locator('.runcard-entry')
    .evaluateAll((entries) =>
      Object.fromEntries(
        entries.map((e) => [
          e.querySelector('dt')!.textContent!,
          Array.from(e.querySelectorAll('dd'), (d) => d.textContent!),
        ]),
      ),
    );
}

describe('image preprocessing in the app', () => {
  it('records the split replica’s preprocessing and views per image, and single view as its own run', async () => {
    await page.goto(`${appUrl}/?hub=${encodeURIComponent(hub.url)}&device=wasm&dtype=fp32#run`);
    await page.getByTestId('model-hub-id').waitFor({ timeout: 120_000 });
    await page
      .getByTestId('images-files-input')
      .setInputFiles(IMAGES.map((id) => path.join(IMAGES_DIR, `${id}.jpg`)));
    await expect
      .poll(() => page.getByTestId('images-present-count').textContent(), { timeout: 60_000 })
      .toMatch(/3 of 228/);
    await loadModel('test-org/replica-smolvlm');
    expect(await page.getByTestId('loaded-preprocessing').textContent()).toBe(
      'do_image_splitting true, do_resize true, size.longest_edge 128, max_image_size.longest_edge 32',
    );
    expect(await page.getByTestId('loaded-image-views').textContent()).toMatch(/measured during a run/);
    expect(await page.getByTestId('preprocessing-default').isChecked()).toBe(true);
    expect(await page.getByTestId('preprocessing-single-view').isEnabled()).toBe(true);

    const splitId = await runToCompletion();
    expect(await page.getByTestId('loaded-image-views').textContent()).toBe(
      '9–17 views per image, 144–272 image tokens (measured over 3 images in the last run)',
    );

    await page.getByTestId('preprocessing-single-view').check();
    await expect.poll(() => page.getByTestId('run-preview-id').getAttribute('data-run-id')).not.toBe(splitId);
    const singleId = await runToCompletion();
    expect(singleId).not.toBe(splitId);
    expect(await page.getByTestId('loaded-image-views').textContent()).toBe(
      '1 view per image, 16 image tokens (measured over 3 images in the last run, single view)',
    );
    await page.screenshot({ path: path.resolve('test-artifacts', 'run-single-view.png'), fullPage: true });

    const split = await runCard(splitId);
    expect(split['Image preprocessing']).toEqual([
      'Model default',
      'do_image_splitting true, do_resize true, size.longest_edge 128, max_image_size.longest_edge 32',
      'the model’s own preprocessing, as published (what the paper’s models used)',
    ]);
    expect(split['Image views']).toEqual([
      '9–17 views per image, 144–272 image tokens (measured over 3 images)',
    ]);

    const single = await runCard(singleId);
    expect(single['Image preprocessing']![0]).toBe('Single view (image splitting off)');
    expect(single['Image preprocessing']![1]).toContain('do_image_splitting false');
    expect(single['Image preprocessing']![2]).toMatch(/^not comparable with the paper’s Table 1/);
    expect(single['Image views']).toEqual(['1 view per image, 16 image tokens (measured over 3 images)']);
    await page.screenshot({
      path: path.resolve('test-artifacts', 'results-single-view.png'),
      fullPage: true,
    });
  });

  it('offers no single view for a model that never splits, and says why', async () => {
    await page.goto(`${appUrl}/?hub=${encodeURIComponent(hub.url)}&device=wasm&dtype=fp32#run`);
    await page.getByTestId('model-hub-id').waitFor({ timeout: 120_000 });
    await loadModel('test-org/tiny-smolvlm');
    expect(await page.getByTestId('preprocessing-single-view').isDisabled()).toBe(true);
    expect(await page.getByTestId('preprocessing-default').isChecked()).toBe(true);
    expect(await page.getByTestId('preprocessing-reason').textContent()).toMatch(
      /does not split images \(do_image_splitting false in its config\)/,
    );
  });
});
