// The same engine in a real browser: headless Chromium runs the inference worker on wasm and on
// WebGPU (SwiftShader adapter), and both must agree with wasm in Node within 1e-3 with identical
// decisions. Also checks cancellation and missing images in the browser, and that the model's own
// image embeddings a run keeps in the browser's IndexedDB give Node's similarities on both devices.
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import type { Page } from 'playwright-core';
import type { CaseRecord } from '../../src/core/types.ts';
import type { ImageEmbedding } from '../../src/core/run/records.ts';
import { pairModelSimilarities } from '../../src/core/results/modelSimilarity.ts';
import type { CaseRequest } from '../../src/core/run/vocabulary.ts';
import { createNodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { storedImageEmbeddings } from '../support/appDb.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { startDevServer } from '../support/devServer.ts';
import { compareRecords, IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { folderImageLoader } from '../../scripts/lib/nodeEngine.ts';

const dataset = officialDataset();
const samplePairs = dataset.pairs.slice(0, 8);
const pairMap = new Map(samplePairs.map((p) => [p.id, p]));
const requests: CaseRequest[] = samplePairs.flatMap((p) =>
  ([1, 2] as const).flatMap((slot) =>
    (['GD', 'PS', 'MC'] as const).map((method) => ({ pairId: p.id, slot, method })),
  ),
);

let server: ViteDevServer;
let baseUrl: string;
let browser: LaunchedBrowser;
let page: Page;
let nodeRecords: CaseRecord[];
const nodeEmbeddings = new Map<string, ImageEmbedding>();

interface HarnessResult {
  ok: boolean;
  kind?: string;
  message?: string;
  info?: { device: string; dtype: string; fallbackReason?: string };
  environment?: { webgpu: { available: boolean; adapter?: string } };
  summary?: {
    done: number;
    total: number;
    cancelled: boolean;
    notRun: { localId: string; reason: string }[];
  };
  records?: CaseRecord[];
  progressEvents?: number;
}

async function runInBrowser(
  device: 'wasm' | 'webgpu',
  extra: Record<string, unknown> = {},
  cases = requests,
  /** Added to the run request (persist). */
  runExtra: Record<string, unknown> = {},
) {
  return (await page.evaluate((req) => window.runEngine(req as never), {
    load: {
      source: { kind: 'path', path: '/.fixtures/models/tiny-smolvlm' },
      device,
      dtype: 'fp32',
      fallbackToWasm: false,
    },
    run: {
      pairs: samplePairs,
      plan: imageGroupsOf(cases, pairMap),
      mode: 'cached',
      images: { kind: 'url', baseUrl: '/.fixtures/images/' },
      ...runExtra,
    },
    ...extra,
  })) as HarnessResult;
}

beforeAll(async () => {
  ({ server, url: baseUrl } = await startDevServer());
  browser = await launchChromium({ webgpu: true });
  page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') console.error('[browser]', m.text());
  });
  await page.goto(`${baseUrl}/test/e2e/harness/index.html`);
  await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 120_000 });

  const engine = await createNodeEngine('wasm');
  const lm = await engine.loadModel(
    { source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm', dtype: 'fp32' },
    engine.host,
  );
  nodeRecords = [];
  await engine.runCases(
    lm,
    new Map(samplePairs.map((p) => [p.id, p])),
    imageGroupsOf(requests, pairMap),
    folderImageLoader(engine, IMAGES_DIR),
    {
      mode: 'cached',
      onRecord: (r) => void nodeRecords.push(r),
      onImageEmbedding: (id, e) => void nodeEmbeddings.set(id, e),
    },
  );
});

/** The embeddings a run stored in the page's IndexedDB `dbName`, by local id. */
async function embeddingsInPage(dbName: string, runId: string): Promise<Map<string, ImageEmbedding>> {
  const rows = (await storedImageEmbeddings(page, dbName)).filter((r) => r.runId === runId);
  return new Map(
    rows.map((r) => [r.localId, { mean: new Float32Array(r.mean), globalMean: null, vectors: r.vectors }]),
  );
}

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('engine in headless Chromium', () => {
  it('wasm in the browser agrees with wasm in Node', async () => {
    const res = await runInBrowser('wasm');
    expect(res.ok, res.message).toBe(true);
    expect(res.info!.device).toBe('wasm');
    expect(res.records).toHaveLength(requests.length);
    expect(res.summary!.done).toBe(requests.length);
    expect(res.progressEvents).toBeGreaterThan(0);
    const cmp = compareRecords(res.records!, nodeRecords);
    console.log(
      `Chromium wasm vs Node wasm: max |Δp| = ${cmp.maxProbDiff.toExponential(2)} over ${cmp.compared} cases`,
    );
    expect(cmp.answerMismatches).toEqual([]);
    expect(cmp.maxProbDiff).toBeLessThan(1e-3);
  });

  it('WebGPU (SwiftShader adapter) agrees with wasm in Node', async () => {
    const res = await runInBrowser('webgpu');
    expect(res.ok, res.message).toBe(true);
    expect(res.environment!.webgpu.available).toBe(true);
    expect(res.info!.device).toBe('webgpu');
    expect(res.records).toHaveLength(requests.length);
    const cmp = compareRecords(res.records!, nodeRecords);
    console.log(
      `WebGPU vs Node wasm: max |Δp| = ${cmp.maxProbDiff.toExponential(2)} over ${cmp.compared} cases`,
    );
    expect(cmp.answerMismatches).toEqual([]);
    expect(cmp.maxProbDiff).toBeLessThan(1e-3);
  });

  it.each(['wasm', 'webgpu'] as const)(
    "keeps the model's own image embeddings in IndexedDB on %s, giving Node's similarities",
    async (device) => {
      const dbName = `engine-similarity-${device}`;
      // GD alone: the embedding comes from the image's encode, whatever the methods.
      const res = await runInBrowser(
        device,
        {},
        requests.filter((r) => r.method === 'GD'),
        { persist: { dbName, runId: `run-${device}`, promptHashes: {} } },
      );
      expect(res.ok, res.message).toBe(true);
      const stored = await embeddingsInPage(dbName, `run-${device}`);
      expect(stored.size).toBe(nodeEmbeddings.size);
      const inBrowser = pairModelSimilarities(samplePairs, stored);
      const inNode = pairModelSimilarities(samplePairs, nodeEmbeddings);
      expect(inBrowser.size).toBe(samplePairs.length);
      const diff = Math.max(
        ...samplePairs.map((p) => Math.abs(inBrowser.get(p.id)!.similarity - inNode.get(p.id)!.similarity)),
      );
      console.log(
        `${device}: model similarity vs Node wasm, max |Δ| = ${diff.toExponential(2)} over 8 pairs`,
      );
      expect(diff).toBeLessThan(1e-3);
    },
  );

  it('stops a run when cancelled and reports it as cancelled', async () => {
    const res = await runInBrowser('wasm', { cancelAfter: 4 });
    expect(res.ok, res.message).toBe(true);
    expect(res.summary!.cancelled).toBe(true);
    expect(res.summary!.done).toBeGreaterThanOrEqual(4);
    expect(res.summary!.done).toBeLessThan(requests.length);
  });

  it('reports missing images as not run', async () => {
    const res = (await page.evaluate((req) => window.runEngine(req as never), {
      load: {
        source: { kind: 'path', path: '/.fixtures/models/tiny-smolvlm' },
        device: 'wasm',
        dtype: 'fp32',
      },
      run: {
        pairs: samplePairs,
        plan: imageGroupsOf(
          requests.filter((r) => r.method === 'GD'),
          pairMap,
        ),
        mode: 'cached',
        images: { kind: 'url', baseUrl: '/.fixtures/no-such-folder/' },
      },
    })) as HarnessResult;
    expect(res.ok, res.message).toBe(true);
    expect(res.records).toHaveLength(0);
    expect(res.summary!.notRun.length).toBeGreaterThan(0);
    expect(res.summary!.notRun.every((p) => p.reason === 'missing')).toBe(true);
  });

  it('falls back to wasm, and says why, where the browser has no WebGPU', async () => {
    const plain = await launchChromium({ webgpu: false });
    try {
      const other = await plain.context.newPage();
      await other.goto(`${baseUrl}/test/e2e/harness/index.html`);
      await other.waitForFunction(() => window.harnessReady === true, null, { timeout: 120_000 });
      const gdOnly = requests.filter((r) => r.method === 'GD').slice(0, 4);
      const res = (await other.evaluate((req) => window.runEngine(req as never), {
        load: {
          source: { kind: 'path', path: '/.fixtures/models/tiny-smolvlm' },
          device: 'webgpu',
          dtype: 'fp32',
          fallbackToWasm: true,
        },
        run: {
          pairs: samplePairs,
          plan: imageGroupsOf(gdOnly, pairMap),
          mode: 'cached',
          images: { kind: 'url', baseUrl: '/.fixtures/images/' },
        },
      })) as HarnessResult;
      expect(res.ok, res.message).toBe(true);
      expect(res.info!.device).toBe('wasm');
      expect(res.info!.fallbackReason).toMatch(/WebGPU/);
      expect(res.records).toHaveLength(gdOnly.length);
    } finally {
      await plain.close();
    }
  });

  it('names a model folder that lacks files', async () => {
    const res = (await page.evaluate((req) => window.runEngine(req as never), {
      load: {
        source: { kind: 'path', path: '/.fixtures/models/does-not-exist' },
        device: 'wasm',
        dtype: 'fp32',
      },
      run: {
        pairs: samplePairs,
        plan: [],
        mode: 'cached',
        images: { kind: 'url', baseUrl: '/.fixtures/images/' },
      },
    })) as HarnessResult;
    expect(res.ok).toBe(false);
    expect(res.kind).toBe('missing-files');
    expect(res.message).toContain('config.json');
  });
});
