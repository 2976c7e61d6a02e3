// The first hour of a researcher in the Results tab, end to end in headless Chromium on the built
// app (issue 18): invalid answers are visible, runs can be told apart, and a reload in the middle
// of a run keeps its settings. Each test starts from a fresh browser profile and drives the UI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatValue } from '../../src/core/results/tableRows.ts';
import {
  chooseMethods,
  freshPage,
  imagesForPairs,
  importImages,
  loadModel,
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
});
