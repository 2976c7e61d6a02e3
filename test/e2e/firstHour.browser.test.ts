// The first hour of a new user, end to end in headless Chromium on the built app (issue 18): a
// dataset file with an enormous field, a cold start, starting with nothing to do, and running part
// of the benchmark. Each test starts from a fresh browser profile and drives the UI only.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { officialDataset } from '../support/fixtures.ts';
import {
  allImages,
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
let tmp: string;

const official = JSON.parse(readFileSync('public/data/mediconfusion/dataset.json', 'utf8')) as Record<
  string,
  Record<string, unknown>
>;

/** Milliseconds the page takes to answer a trivial evaluate (capped at `cap`). */
async function roundTrip(page: Page, cap = 5000): Promise<number> {
  const t0 = Date.now();
  await Promise.race([
    page.evaluate(() => document.readyState),
    new Promise((resolve) => setTimeout(resolve, cap)),
  ]);
  return Date.now() - t0;
}

beforeAll(async () => {
  app = await startApp();
  tmp = await mkdtemp(path.join(tmpdir(), 'first-hour-'));
}, 300_000);

afterAll(async () => {
  await app?.close();
});

describe('the first hour', () => {
  it('1. refuses a 5-million-character question at once, naming pair, field and limit; a large dataset renders only the rows on screen', async () => {
    const { browser, page } = await freshPage();
    try {
      await page.goto(`${app.url}/#pairs`);
      await expect
        .poll(() => page.getByTestId('pair-count').textContent(), { timeout: 60_000 })
        .toMatch(/^176 pairs/);

      const huge = structuredClone(official);
      huge['10002']!['question'] = 'Is this enormous? '.repeat(280_000).slice(0, 5_000_000);
      const hugeFile = path.join(tmp, 'enormous.json');
      await writeFile(hugeFile, JSON.stringify(huge));
      await page.getByTestId('dataset-file-input').setInputFiles(hugeFile);
      // The page answers within a second throughout, while the file is read and checked.
      const trips: number[] = [];
      const until = Date.now() + 3000;
      while (Date.now() < until) trips.push(await roundTrip(page));
      expect(Math.max(...trips)).toBeLessThan(1000);
      const error = page.getByTestId('dataset-error');
      await error.waitFor({ timeout: 10_000 });
      const text = (await error.textContent()) ?? '';
      expect(text).toContain('pair 10002');
      expect(text).toContain('"question"');
      expect(text).toMatch(/at most 2,000 characters/);
      expect(text).toContain('5,000,000');
      expect(await page.getByTestId('pair-count').textContent()).toMatch(/^176 pairs/);
      await shot(page, 'first-hour-1-refused');

      // 3000 valid pairs: only the rows near the screen are in the page, scrolling brings the others.
      const ids = Object.keys(official);
      const big: Record<string, unknown> = {};
      for (let i = 0; i < 3000; i++) big[`b${i + 1}`] = official[ids[i % ids.length]!];
      const bigFile = path.join(tmp, 'large.json');
      await writeFile(bigFile, JSON.stringify(big));
      await page.getByTestId('dataset-file-input').setInputFiles(bigFile);
      await expect
        .poll(() => page.getByTestId('pair-count').textContent(), { timeout: 60_000 })
        .toMatch(/^3000 pairs/);
      expect(await roundTrip(page)).toBeLessThan(1000);
      expect(await page.getByTestId('pair-row').count()).toBeLessThan(200);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await expect
        .poll(
          async () => {
            await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
            return page.locator('[data-testid=pair-row][data-pair-id=b3000]').count();
          },
          { timeout: 10_000 },
        )
        .toBe(1);
      expect(await page.getByTestId('pair-row').count()).toBeLessThan(200);
      await shot(page, 'first-hour-1-large-bottom');
    } finally {
      await browser.close();
    }
  });

  it('5. refuses to start with nothing to do, says why, and clears stale notices after an import', async () => {
    const { browser, page } = await freshPage();
    try {
      await page.goto(app.runUrl);
      await loadModel(page);
      await chooseMethods(page, ['GD']);
      // No image stored: nothing can run, and the page says so instead of "Complete, 0/0".
      const start = page.getByTestId('run-start');
      await expect.poll(() => start.isDisabled(), { timeout: 30_000 }).toBe(true);
      const reason = page.getByTestId('run-blocked-reason');
      await expect
        .poll(() => reason.textContent(), { timeout: 30_000 })
        .toMatch(/no pair .*both of its images/i);
      await start.click({ force: true });
      await page.waitForTimeout(1000);
      expect(await page.getByTestId('run-status').textContent()).not.toBe('Complete');
      expect(await page.getByTestId('run-done-count').count()).toBe(0);
      await shot(page, 'first-hour-5-nothing-to-run', true);

      // Two pairs' images: the run does those and lists the others as not run...
      await importImages(page, imagesForPairs(2).files);
      await expect.poll(() => start.isDisabled(), { timeout: 30_000 }).toBe(false);
      expect(await reason.count()).toBe(0);
      await start.click();
      await waitForRunEnd(page);
      await expect(page.getByTestId('run-done-count').textContent()).resolves.toBe('4/4');
      expect(await page.locator('.run-view').textContent()).toMatch(/174 pairs lack images/);
      // ...and once every image is there, no notice still says pairs lack images.
      await importImages(page, allImages());
      await expect
        .poll(() => page.getByTestId('images-missing-pairs').locator('summary').textContent(), {
          timeout: 60_000,
        })
        .toBe('Every pair has both images');
      await expect
        .poll(async () => (await page.locator('.run-view').textContent()) ?? '', { timeout: 10_000 })
        .not.toMatch(/pairs? lacks? images/);
      await shot(page, 'first-hour-5-all-images', true);
    } finally {
      await browser.close();
    }
  });

  it('6. runs part of the benchmark: the first N pairs, a category or a list of ids, shown in the run identity', async () => {
    const { browser, page } = await freshPage();
    const dataset = officialDataset();
    try {
      await page.goto(app.runUrl);
      await loadModel(page);
      await importImages(page, allImages());
      await chooseMethods(page, ['GD']);
      const preview = page.locator('.run-preview');
      const start = page.getByTestId('run-start');
      const gdPairs = async () =>
        new Set((await stored(page)).cases.filter((c) => c.method === 'GD').map((c) => c.pairId));

      await page.getByTestId('run-subset').selectOption('first');
      await page.getByTestId('run-subset-first').fill('3');
      await expect.poll(() => preview.textContent(), { timeout: 30_000 }).toContain('6 cases to compute');
      expect(await preview.textContent()).toContain('first 3 pairs');
      await start.click();
      await expect
        .poll(() => page.getByTestId('run-done-count').textContent(), { timeout: 120_000 })
        .toBe('6/6');
      await waitForRunEnd(page);
      expect([...(await gdPairs())].sort()).toEqual(dataset.pairs.slice(0, 3).map((p) => p.id));

      await page.getByTestId('run-subset').selectOption('category');
      await page.getByTestId('run-subset-category').selectOption('Nuclear Medicine');
      const nuclear = dataset.pairs.filter(
        (p) => p.category1.includes('Nuclear Medicine') || p.category2.includes('Nuclear Medicine'),
      );
      await expect
        .poll(() => preview.textContent(), { timeout: 30_000 })
        .toContain(`category Nuclear Medicine (${nuclear.length} pairs)`);
      await start.click();
      await expect
        .poll(() => page.getByTestId('run-done-count').textContent(), { timeout: 120_000 })
        .toBe(`${nuclear.length * 2}/${nuclear.length * 2}`);
      await waitForRunEnd(page);

      const listed = [dataset.pairs[2]!.id, dataset.pairs[100]!.id];
      await page.getByTestId('run-subset').selectOption('ids');
      await page.getByTestId('run-subset-ids').fill(`${listed[0]}, ${listed[1]}, nosuchpair`);
      await expect
        .poll(() => preview.textContent(), { timeout: 30_000 })
        .toContain(`pairs ${listed[0]}, ${listed[1]}`);
      expect(await preview.textContent()).toContain('nosuchpair');
      await start.click();
      await expect
        .poll(() => page.getByTestId('run-done-count').textContent(), { timeout: 120_000 })
        .toBe('4/4');
      await waitForRunEnd(page);
      const done = await gdPairs();
      expect(done.size).toBe(new Set([...dataset.pairs.slice(0, 3), ...nuclear].map((p) => p.id)).size + 1);
      for (const id of listed) expect(done.has(id)).toBe(true);

      // The run card says which part the last start ran.
      await page.goto(`${app.url}/#results`);
      await expect
        .poll(() => page.getByTestId('results-run-card').textContent(), { timeout: 60_000 })
        .toContain(`pairs ${listed[0]}, ${listed[1]}`);
      await shot(page, 'first-hour-6-results', true);
    } finally {
      await browser.close();
    }
  });

  it('7. a first visit says where to start (model → images → run) until a run exists; the page never talks of a test environment', async () => {
    const { browser, page } = await freshPage();
    try {
      await page.goto(`${app.url}/?hub=${encodeURIComponent(app.hub.url)}`);
      const guide = page.getByTestId('start-here');
      await guide.waitFor({ timeout: 60_000 });
      const box = (await guide.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(768);
      const steps = await guide.locator('li').allTextContents();
      expect(steps).toHaveLength(3);
      expect(steps[0]).toMatch(/model/i);
      expect(steps[1]).toMatch(/images/i);
      expect(steps[2]).toMatch(/run/i);
      await shot(page, 'first-hour-7-start-here');
      await guide.getByRole('button', { name: /open the run tab/i }).click();
      await expect.poll(() => page.url()).toContain('#run');

      // Every curated model and judge says what is known in the same words, none about our tests.
      const texts: string[] = [];
      const values = await page
        .getByTestId('model-select')
        .locator('option')
        .evaluateAll((os) =>
          (os as HTMLOptionElement[]).filter((o) => !o.disabled && o.value.includes('/')).map((o) => o.value),
        );
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) {
        await page.getByTestId('model-select').selectOption(v);
        for (const d of await page.locator('.run-catalog-card details').all()) {
          await d.evaluate((el) => ((el as HTMLDetailsElement).open = true));
        }
        const card = (await page.locator('.run-catalog-card').textContent()) ?? '';
        expect(card).toContain('not yet checked with this tool');
        texts.push(card);
      }
      for (const o of await page.getByTestId('judge-catalog').locator('option').allTextContents()) {
        if (o.includes('/') || o.includes('M,')) expect(o).toContain('not yet checked with this tool');
      }
      for (const tab of ['pairs', 'run', 'results', 'explorer', 'storage']) {
        await page.goto(`${app.url}/?hub=${encodeURIComponent(app.hub.url)}#${tab}`);
        await page.locator(`#panel-${tab}`).waitFor();
        await page.waitForTimeout(500);
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
        texts.push(await page.locator('body').innerText());
      }
      const forbidden =
        /test environment|checked here|verified here|unverified|not verified|real weights|as remembered/i;
      expect(texts.filter((t) => forbidden.test(t)).map((t) => forbidden.exec(t)![0])).toEqual([]);

      // Once a run exists, the guide is gone, here and after a reload.
      await page.goto(app.runUrl);
      expect(await guide.count()).toBe(1);
      await loadModel(page);
      await importImages(page, imagesForPairs(1).files);
      await chooseMethods(page, ['GD']);
      await page.getByTestId('run-start').click();
      await waitForRunEnd(page);
      await expect.poll(() => guide.count(), { timeout: 10_000 }).toBe(0);
      await page.goto(`${app.url}/#pairs`);
      await page.getByTestId('pair-count').waitFor();
      await page.waitForTimeout(1000);
      expect(await guide.count()).toBe(0);
    } finally {
      await browser.close();
    }
  });
});
