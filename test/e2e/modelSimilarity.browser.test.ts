// The model's own image similarity in the app, end to end in headless Chromium on the dev server:
// a run with per-image embeddings of known vectors (and one without) written into the app's own
// IndexedDB (schema version 2) in the page; the Explorer's pair view shows the cosine this test
// computes, presentation says it in words, the scatter view draws the similarity-against-confusion
// chart with Spearman's ρ and one mark per pair with two valid answers, and the Results tab shows
// the chart under the run's card. The run without embeddings shows none of it (compared with the
// run that kept them, the pair view shows that run's value).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import type { Page } from 'playwright-core';
import { pairAnswersFromRecords } from '../../src/core/metrics.ts';
import {
  cosineSimilarity,
  pairModelSimilarities,
  similarityConfusion,
  similarityInWords,
  type SimilarityConfusion,
} from '../../src/core/results/modelSimilarity.ts';
import {
  caseKey,
  imageEmbeddingKey,
  type ImageEmbedding,
  type RunRecord,
  type StoredCase,
} from '../../src/core/run/records.ts';
import { mulberry32 } from '../../src/core/statistics.ts';
import type { CaseRecord, ConfusionPair } from '../../src/core/types.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { startDevServer } from '../support/devServer.ts';
import { officialDataset } from '../support/fixtures.ts';

const ARTIFACTS = path.resolve('test-artifacts');
const dataset = officialDataset();
const PAIRS = dataset.pairs.slice(0, 14);
const WITH = 'run-with-embeddings';
const WITHOUT = 'run-without-embeddings';
const DIM = 16;

let dev: ViteDevServer;
let appUrl: string;
let browser: LaunchedBrowser;
let page: Page;
let visit = 0;

function run(id: string, createdAt: number): RunRecord {
  return {
    id,
    label: id,
    name: id === WITH ? 'Kept embeddings' : 'No embeddings',
    datasetHash: dataset.hash,
    datasetName: dataset.name,
    model: { sourceKind: 'hub', modelId: 'test-org/replica', revision: 'main' },
    device: 'wasm',
    dtype: 'fp32',
    methods: ['GD'],
    promptHashes: { GD: 'h' },
    engineVersion: 'test',
    status: 'complete',
    createdAt,
    updatedAt: createdAt,
    runCard: {},
    imported: false,
  };
}

/** GD answers: every third pair answered alike (confused), pair 5 with an invalid answer. */
function gdCases(): CaseRecord[] {
  return PAIRS.flatMap((pair, i) => {
    const a1 = pair.im1Correct;
    const a2 = i % 3 === 0 ? a1 : pair.im2Correct;
    return [
      { pairId: pair.id, slot: 1 as const, method: 'GD' as const, answer: i === 5 ? null : a1 },
      { pairId: pair.id, slot: 2 as const, method: 'GD' as const, answer: a2 },
    ];
  });
}

const records = gdCases();

/** Known vectors per image of PAIRS (float32 as stored); the first pair's images have a global view too. */
function embeddings(): Map<string, ImageEmbedding> {
  const random = mulberry32(11);
  const out = new Map<string, ImageEmbedding>();
  PAIRS.forEach((pair, i) => {
    for (const id of [pair.im1Local, pair.im2Local]) {
      if (out.has(id)) continue;
      const mean = Float32Array.from({ length: DIM }, () => random() - 0.2);
      const globalMean = i === 0 ? Float32Array.from({ length: DIM }, () => random()) : null;
      out.set(id, { mean, globalMean, vectors: 81 });
    }
  });
  return out;
}

const EMBEDDINGS = embeddings();
const SIMS = pairModelSimilarities(dataset.pairs, EMBEDDINGS);
const CONFUSION: SimilarityConfusion = similarityConfusion(
  dataset.pairs,
  SIMS,
  pairAnswersFromRecords(records, 'GD'),
);

interface Seed {
  runs: RunRecord[];
  cases: StoredCase[];
  embeddings: { key: string; runId: string; localId: string; mean: number[]; globalMean: number[] | null }[];
}

function seed(): Seed {
  const cases = [WITH, WITHOUT].flatMap((runId) =>
    records.map((r, n) => ({
      ...r,
      key: caseKey(runId, r.method, 'h', r.pairId, r.slot),
      runId,
      promptHash: 'h',
      computedAt: 1000 + n,
    })),
  );
  return {
    runs: [run(WITH, 2000), run(WITHOUT, 1000)],
    cases,
    embeddings: [...EMBEDDINGS].map(([localId, e]) => ({
      key: imageEmbeddingKey(WITH, localId),
      runId: WITH,
      localId,
      mean: [...e.mean],
      globalMean: e.globalMean ? [...e.globalMean] : null,
    })),
  };
}

/** Writes the runs, cases and embeddings into the database the app opened (its own schema). */
async function seedDb(p: Page, data: Seed): Promise<number> {
  return p.evaluate(
    (d) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('mediconfusion');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const version = db.version;
          const tx = db.transaction(['runs', 'cases', 'imageEmbeddings'], 'readwrite');
          for (const r of d.runs) tx.objectStore('runs').put(r);
          for (const c of d.cases) tx.objectStore('cases').put(c);
          for (const e of d.embeddings) {
            tx.objectStore('imageEmbeddings').put({
              ...e,
              mean: Float32Array.from(e.mean),
              globalMean: e.globalMean ? Float32Array.from(e.globalMean) : null,
              vectors: 81,
              computedAt: 1,
            });
          }
          tx.oncomplete = () => {
            db.close();
            resolve(version);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    data,
  );
}

/** Opens an app URL afresh (a new query each time, so a hash-only change still reloads). */
async function open(p: Page, hash: string) {
  await p.goto(`${appUrl}/?visit=${visit++}${hash}`);
}

async function noHorizontalScroll(p: Page): Promise<boolean> {
  return p.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

function explorer(runId: string, pair: ConfusionPair, extra = ''): string {
  return `#explorer?pair=${pair.id}&run=${runId}&method=GD${extra}`;
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  ({ server: dev, url: appUrl } = await startDevServer());
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  // The app opens (and creates, at its current version) its database; the test then fills it.
  await open(page, '#results');
  await page.getByTestId('results-empty').waitFor({ timeout: 120_000 });
  expect(await seedDb(page, seed())).toBe(2);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await dev?.close();
});

describe("the model's own image similarity", () => {
  const first = PAIRS[0]!;
  const cosine = cosineSimilarity(
    EMBEDDINGS.get(first.im1Local)!.mean,
    EMBEDDINGS.get(first.im2Local)!.mean,
  )!;

  it('shows in the pair view the cosine of the two images’ stored means, and its global view', async () => {
    expect(SIMS.get(first.id)?.similarity).toBe(cosine);
    await open(page, explorer(WITH, first));
    const value = page.getByTestId('explorer-model-sim');
    await value.waitFor({ timeout: 60_000 });
    expect(await value.locator('strong').textContent()).toBe(cosine.toFixed(3));
    expect(Number(await value.getAttribute('data-similarity'))).toBeCloseTo(cosine, 6);
    expect(await value.locator('abbr').getAttribute('title')).toMatch(/not a clinical measure/);
    const global = cosineSimilarity(
      EMBEDDINGS.get(first.im1Local)!.globalMean!,
      EMBEDDINGS.get(first.im2Local)!.globalMean!,
    )!;
    expect(await page.getByTestId('explorer-model-sim-global').textContent()).toContain(global.toFixed(3));
    await page
      .getByTestId('explorer-pair')
      .screenshot({ path: path.join(ARTIFACTS, 'model-similarity-pair.png') });
    // The second pair has no global view: the small value is absent there.
    await open(page, explorer(WITH, PAIRS[1]!));
    await expect
      .poll(() => page.getByTestId('explorer-model-sim').locator('strong').textContent(), { timeout: 60_000 })
      .toBe(SIMS.get(PAIRS[1]!.id)!.similarity.toFixed(3));
    expect(await page.getByTestId('explorer-model-sim-global').count()).toBe(0);
  });

  it('says it in words in presentation mode', async () => {
    await open(page, explorer(WITH, first, '&present=1'));
    const words = page.getByTestId('explorer-model-sim-words');
    await words.waitFor({ timeout: 60_000 });
    expect(await words.textContent()).toBe(similarityInWords(cosine));
    expect(await words.isVisible()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-similarity-present.png') });
  });

  it('draws the similarity against confusion in the scatter view, one mark per pair with two valid answers', async () => {
    // Pair 5 has an invalid answer, so it has no mark.
    expect(CONFUSION.points).toHaveLength(PAIRS.length - 1);
    expect(CONFUSION.rankCorrelation).not.toBeNull();
    for (const size of [
      { width: 1280, height: 720 },
      { width: 1366, height: 768 },
    ]) {
      await page.setViewportSize(size);
      await open(page, explorer(WITH, first, '&view=scatter'));
      const chart = page.getByTestId('model-similarity-chart');
      await chart.waitFor({ timeout: 60_000 });
      const points = chart.getByTestId('model-similarity-point');
      await expect.poll(() => points.count(), { timeout: 30_000 }).toBe(CONFUSION.points.length);
      const ids = await points.evaluateAll((els) => els.map((e) => e.getAttribute('data-pair-id')));
      expect(new Set(ids)).toEqual(new Set(CONFUSION.points.map((p) => p.pairId)));
      const confused = await chart
        .locator('[data-testid=model-similarity-point][data-confused=true]')
        .count();
      expect(confused).toBe(CONFUSION.confusedPairs);
      const rho = (await page.getByTestId('model-similarity-rho').textContent()) ?? '';
      expect(rho).toContain(`ρ = ${CONFUSION.rankCorrelation!.estimate.toFixed(2).replace('-', '−')}`);
      expect(rho).toContain(`n = ${CONFUSION.points.length} pairs`);
      expect(rho).toContain('95 % CI');
      expect(await page.getByTestId('model-similarity-medians').textContent()).toContain(
        CONFUSION.medianConfused!.toFixed(3),
      );
      // The scatter's points carry the model's similarity (fill and label) and the legend its range.
      const scatterPoint = page.locator(`[data-testid=explorer-scatter-point][data-pair-id="${first.id}"]`);
      expect(await scatterPoint.getAttribute('aria-label')).toContain(`this model ${cosine.toFixed(3)}`);
      expect(await page.getByTestId('explorer-scatter-model-scale').count()).toBe(1);
      expect(await noHorizontalScroll(page)).toBe(true);
      await page.screenshot({
        path: path.join(ARTIFACTS, `model-similarity-scatter-${size.width}.png`),
        fullPage: true,
      });
    }
    // On the slide the chart shares the window with the scatter, below it.
    await page.setViewportSize({ width: 1280, height: 720 });
    await open(page, explorer(WITH, first, '&view=scatter&present=1'));
    await page.getByTestId('model-similarity-chart').waitFor({ timeout: 60_000 });
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-similarity-scatter-present.png') });
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1366, height: 768 });
    await open(page, explorer(WITH, first, '&view=scatter'));
    await page.getByTestId('model-similarity-chart').waitFor({ timeout: 60_000 });
    // Each mark opens its pair, by keyboard too.
    const target = CONFUSION.points[2]!.pairId;
    await page.locator(`[data-testid=model-similarity-point][data-pair-id="${target}"]`).focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('explorer-pair').getAttribute('data-pair-id'), { timeout: 30_000 })
      .toBe(target);
  });

  it('shows the chart under the run’s card in the Results tab', async () => {
    await open(page, '#results');
    await page.getByTestId('results-detail-run').waitFor({ timeout: 60_000 });
    await page.getByTestId('results-detail-run').selectOption(WITH);
    const panel = page.getByTestId('results-model-similarity');
    await panel.waitFor({ timeout: 60_000 });
    await expect
      .poll(() => panel.getByTestId('model-similarity-point').count(), { timeout: 30_000 })
      .toBe(CONFUSION.points.length);
    expect(await panel.getByTestId('model-similarity-rho').textContent()).toContain(
      `n = ${CONFUSION.points.length} pairs`,
    );
    expect(await page.getByTestId('results-run-card').textContent()).toContain(
      `kept for ${EMBEDDINGS.size} images`,
    );
    expect(await noHorizontalScroll(page)).toBe(true);
    await panel.screenshot({ path: path.join(ARTIFACTS, 'model-similarity-results.png') });
    // A mark links to its pair in the Explorer, under this run and method.
    const href = await panel.getByTestId('model-similarity-point').first().getAttribute('href');
    expect(href).toMatch(new RegExp(`^#explorer\\?pair=.+&run=${WITH}&method=GD$`));

    await page.getByTestId('results-detail-run').selectOption(WITHOUT);
    await expect.poll(() => panel.count(), { timeout: 30_000 }).toBe(0);
    expect(await page.getByTestId('results-run-card').textContent()).not.toContain('Model image similarity');
  });

  it('shows none of it for a run without embeddings', async () => {
    await open(page, explorer(WITHOUT, first));
    await expect
      .poll(() => page.getByTestId('explorer-confused-badge').count(), { timeout: 60_000 })
      .toBeGreaterThan(0);
    expect(await page.getByTestId('explorer-model-sim').count()).toBe(0);
    // Compared with the run that kept them: that run's own value, under its own name.
    await open(page, explorer(WITHOUT, first, `&compare=${WITH}`));
    const compared = page.getByTestId('explorer-compare-model-sim');
    await compared.waitFor({ timeout: 60_000 });
    expect(await compared.locator('strong').textContent()).toBe(cosine.toFixed(3));
    expect(await page.getByTestId('explorer-model-sim').count()).toBe(0);
    await open(page, explorer(WITHOUT, first, '&present=1'));
    await page.getByTestId('explorer-question').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('explorer-model-sim-words').count()).toBe(0);
    await open(page, explorer(WITHOUT, first, '&view=scatter'));
    await expect
      .poll(() => page.getByTestId('explorer-scatter-point').count(), { timeout: 60_000 })
      .toBe(dataset.pairs.length);
    // The outcome shapes are filled by outcome again once the run's cases are read.
    await expect
      .poll(() => page.locator('[data-testid=explorer-scatter-point][data-outcome=confused]').count(), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    expect(await page.getByTestId('model-similarity-chart').count()).toBe(0);
    expect(await page.getByTestId('explorer-scatter-model-scale').count()).toBe(0);
    expect(await page.locator('[data-model-similarity]').count()).toBe(0);
  });
});
