// The first hour of a researcher in the Results tab, end to end in headless Chromium on the built
// app (issue 18): invalid answers are visible, runs can be told apart, and a reload in the middle
// of a run keeps its settings. Each test starts from a fresh browser profile and drives the UI.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatValue } from '../../src/core/results/tableRows.ts';
import {
  ARTIFACTS,
  chooseMethods,
  freshPage,
  imagesForPairs,
  importImages,
  loadModel,
  REPO,
  shot,
  startApp,
  stored,
  waitForRunEnd,
  type App,
} from '../support/firstHour.ts';

let app: App;

beforeAll(async () => {
  app = await startApp();
}, 300_000);

afterAll(async () => {
  await app?.close();
});

describe('the first hour with results', () => {
  it('2. shows the invalid rate per method in Table 1 and the charts, and says why a dash is there', async () => {
    const { browser, page } = await freshPage();
    try {
      await page.goto(app.runUrl);
      await loadModel(page);
      await importImages(page, imagesForPairs(6).files);
      await chooseMethods(page, ['MC']);
      await page.getByTestId('run-start').click();
      await waitForRunEnd(page);
      const { cases, runs } = await stored(page);
      const run = runs.find((r) => r.methods.includes('MC'))!;
      const mc = cases.filter((c) => c.runId === run.id && c.method === 'MC');
      expect(mc.length).toBe(12);
      const invalid = mc.filter((c) => c.answer === null).length;

      await page.goto(`${app.url}/#results`);
      const row = page.locator(`[data-testid=results-row][data-run-id="${run.id}"]`);
      await row.waitFor({ timeout: 60_000 });
      await expect
        .poll(() => row.locator('[data-col=invalid-MC] .value').textContent(), { timeout: 60_000 })
        .toBe(formatValue((invalid / 12) * 100));
      // Every dash of the run's row says why it is there, in words on the page.
      const dashes = row.locator('td.missing');
      expect(await dashes.count()).toBeGreaterThan(0);
      for (const text of await dashes.locator('.dash-reason').allTextContents()) {
        expect(text.trim()).not.toBe('');
      }
      expect(await dashes.count()).toBe(await dashes.locator('.dash-reason').count());
      expect(await row.locator('[data-col=invalid-GD] .dash-reason').textContent()).toMatch(/not run/);
      // The charts name the invalid rate of the run's method.
      const chartValue = page.locator('[data-testid=results-chart-set] .chart-row-run .chart-value');
      await expect(chartValue.textContent()).resolves.toContain(
        `${formatValue((invalid / 12) * 100)} % invalid`,
      );
      await expect(
        page.getByTestId('results-chart-categories').locator('.chart-caption').textContent(),
      ).resolves.toContain(`${formatValue((invalid / 12) * 100)} % invalid`);
      await shot(page, 'first-hour-2-invalid', true);
    } finally {
      await browser.close();
    }
  });

  it('3. gives every run a short editable name, marks imported runs, and keeps chart labels whole', async () => {
    const { browser, page } = await freshPage();
    try {
      await page.goto(app.runUrl);
      await loadModel(page, 'fp32');
      await importImages(page, imagesForPairs(3).files);
      await chooseMethods(page, ['GD']);
      await page.getByTestId('run-start').click();
      await waitForRunEnd(page);
      await loadModel(page, 'fp16');
      await page.getByTestId('run-start').click();
      // The status line names the run: wait for the fp16 one, not the fp32 one just finished.
      await expect
        .poll(() => page.locator('p.run-status-line:has([data-testid=run-status])').textContent(), {
          timeout: 120_000,
        })
        .toMatch(/Complete.*fp16/);
      const { runs } = await stored(page);
      expect(runs).toHaveLength(2);
      const fp32 = runs.find((r) => r.dtype === 'fp32')!;

      await page.goto(`${app.url}/#results`);
      const labels = page.locator('[data-testid=results-row][data-run-id] .row-label');
      await expect.poll(() => labels.count(), { timeout: 60_000 }).toBe(2);
      const names = await labels.allTextContents();
      for (const name of names) {
        expect(name).toMatch(/^tiny-smolvlm · fp(32|16) · wasm · GD · \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      }
      expect(new Set(names).size).toBe(2);

      // An exported bundle imported again is a run of its own, marked as imported.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('results-export-bundle').first().click(),
      ]);
      const bundle = path.join(ARTIFACTS, 'first-hour-3-bundle.json');
      await download.saveAs(bundle);
      await page.getByTestId('results-import-input').setInputFiles(bundle);
      await expect.poll(() => labels.count(), { timeout: 60_000 }).toBe(3);
      const imported = page.locator(
        '[data-testid=results-row][data-run-id]:has([data-testid=results-row-imported])',
      );
      expect(await imported.count()).toBe(1);

      // Rename the fp32 run: the new name is everywhere, and stays after a reload.
      const item = page.locator(`[data-testid=run-list-item][data-run-id="${fp32.id}"]`);
      await item.getByTestId('run-rename').click();
      await item.getByTestId('run-name-input').fill('Baseline fp32');
      await item.getByTestId('run-name-input').press('Enter');
      const row = page.locator(`[data-testid=results-row][data-run-id="${fp32.id}"] .row-label`);
      await expect.poll(() => row.textContent(), { timeout: 30_000 }).toBe('Baseline fp32');
      await page.reload();
      await expect.poll(() => row.textContent(), { timeout: 60_000 }).toBe('Baseline fp32');
      await expect(item.getByTestId('run-name').textContent()).resolves.toBe('Baseline fp32');

      // Both charts show every run's whole name (no label cut short), three runs told apart.
      const tableNames = await labels.allTextContents();
      const chartLabels = await page
        .locator('[data-testid=results-chart-set] .chart-row-run .chart-label')
        .allTextContents();
      expect(chartLabels).toHaveLength(3);
      for (const l of chartLabels) expect(l).not.toContain('…');
      expect(new Set(chartLabels).size).toBe(3);
      for (const name of tableNames) expect(chartLabels.some((l) => l.startsWith(name))).toBe(true);
      const legend =
        (await page.getByTestId('results-chart-categories').locator('.chart-caption').textContent()) ?? '';
      for (const name of tableNames) expect(legend).toContain(name);
      await shot(page, 'first-hour-3-names', true);
    } finally {
      await browser.close();
    }
  });

  it('9. a reload mid-run keeps the run’s settings and says how far it got; the blind table needs no ticked parent', async () => {
    const { browser, page } = await freshPage();
    try {
      await page.goto(app.runUrl);
      await loadModel(page, 'fp16');
      await importImages(page, imagesForPairs(30).files);
      await chooseMethods(page, ['PS', 'MC'], true);
      await page.getByTestId('run-subset').selectOption('first');
      await page.getByTestId('run-subset-first').fill('30');
      await page.getByTestId('run-start').click();
      // Reload once the main run (after its blind sibling) has saved a few cases.
      const line = page.locator('p.run-status-line:has([data-testid=run-status])');
      await expect
        .poll(
          async () => {
            const text = (await line.textContent()) ?? '';
            const done = Number(
              (
                (await page
                  .getByTestId('run-done-count')
                  .textContent()
                  .catch(() => '0')) ?? '0'
              ).split('/')[0],
            );
            return !text.includes('blank image') && text.includes('Running') && done >= 2;
          },
          { timeout: 300_000, interval: 100 },
        )
        .toBe(true);
      await page.reload();
      await page.getByTestId('model-hub-id').waitFor();
      const { cases, runs } = await stored(page);
      const main = runs.find((r) => r.imageCondition !== 'blank')!;
      const saved = cases.filter((c) => c.runId === main.id).length;
      expect(saved).toBeGreaterThanOrEqual(2);
      expect(saved).toBeLessThan(120);

      // The form shows the interrupted run's settings, and the notice how far it got.
      await expect.poll(() => page.getByTestId('model-hub-id').inputValue(), { timeout: 30_000 }).toBe(REPO);
      await expect(page.getByTestId('model-dtype').inputValue()).resolves.toBe('fp16');
      await expect(page.getByTestId('model-device').inputValue()).resolves.toBe('wasm');
      for (const [m, on] of [
        ['GD', false],
        ['PS', true],
        ['MC', true],
        ['blind', true],
      ] as const) {
        await expect(page.getByTestId(`method-${m}`).isChecked()).resolves.toBe(on);
      }
      await expect(page.getByTestId('run-subset').inputValue()).resolves.toBe('first');
      await expect(page.getByTestId('run-subset-first').inputValue()).resolves.toBe('30');
      const notice = page.getByTestId('run-interrupted-notice');
      await expect
        .poll(() => notice.textContent(), { timeout: 30_000 })
        .toContain(`${saved} of 120 cases done`);
      await shot(page, 'first-hour-9-interrupted', true);

      await page.getByTestId('run-resume').click();
      await waitForRunEnd(page);
      await expect(page.getByTestId('run-done-count').textContent()).resolves.toBe('120/120');

      // The blind baseline's table stays when its parent run is not ticked for comparison.
      await page.goto(`${app.url}/#results`);
      await page.getByTestId('results-blind').waitFor({ timeout: 60_000 });
      const box = page.locator(`[data-testid=run-list-item][data-run-id="${main.id}"] input[type=checkbox]`);
      if (await box.isChecked()) await box.click();
      await expect.poll(() => box.isChecked()).toBe(false);
      await page.waitForTimeout(1000);
      expect(await page.locator(`[data-testid=results-blind-row][data-run-id="${main.id}"]`).count()).toBe(1);
      await page.reload();
      await page.getByTestId('results-blind').waitFor({ timeout: 60_000 });
      await shot(page, 'first-hour-9-blind', true);
    } finally {
      await browser.close();
    }
  });
});
