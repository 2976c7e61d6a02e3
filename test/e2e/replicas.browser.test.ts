// Replicas of real hub exports (scripts/fixtures/replicas/) in a real browser: two families other
// than SmolVLM load in headless Chromium and score GD, PS and MC on wasm and on WebGPU (the
// SwiftShader adapter), agreeing with wasm in Node within the tolerance the engine's browser test
// uses (1e-3, identical decisions). Their weights come from the same served folders, .onnx_data
// external files included. Their processors resize images (Qwen2-VL to a multiple of 28 inside
// its pixel bounds, Gemma 3 to a fixed square), and the browser's canvas resize differs from
// Node's sharp; so both runs see the fixture images already at a size the processor keeps
// (written once as PNG beside the fixtures), and every difference left is the engine's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import type { Page } from 'playwright-core';
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import type { CaseRequest } from '../../src/core/run/vocabulary.ts';
import type { CaseRecord } from '../../src/core/types.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { startDevServer } from '../support/devServer.ts';
import { compareRecords, FIXTURES_DIR, IMAGES_DIR, officialDataset } from '../support/fixtures.ts';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { replicaDir } from '../support/replicaSuite.ts';

/** Two non-SmolVLM families (three-row rotary positions; a 256-token image block), at a size their processor keeps. */
const BROWSER_REPLICAS = [
  { name: 'replica-qwen2-vl', size: 168 },
  { name: 'replica-gemma3', size: 64 },
] as const;

const dataset = officialDataset();
const samplePairs = dataset.pairs.slice(0, 4);
const pairMap = new Map(samplePairs.map((p) => [p.id, p]));
const requests: CaseRequest[] = samplePairs.flatMap((p) =>
  ([1, 2] as const).flatMap((slot) =>
    (['GD', 'PS', 'MC'] as const).map((method) => ({ pairId: p.id, slot, method })),
  ),
);

interface HarnessResult {
  ok: boolean;
  kind?: string;
  message?: string;
  info?: { device: string; dtype: string; family: string; files: string[] };
  environment?: { webgpu: { available: boolean } };
  records?: CaseRecord[];
}

let server: ViteDevServer;
let baseUrl: string;
let browser: LaunchedBrowser;
let page: Page;
let engine: NodeEngine;

/** The sample's images as PNG at size × size, under .fixtures/ (outside the generator's folders). */
async function nativeImages(size: number): Promise<string> {
  const folder = path.join(FIXTURES_DIR, 'browser-native', String(size));
  await mkdir(folder, { recursive: true });
  const ids = new Set(samplePairs.flatMap((p) => [p.im1Local, p.im2Local]));
  for (const id of ids) {
    const image = await engine.transformers.RawImage.read(path.join(IMAGES_DIR, `${id}.jpg`));
    await (await image.rgb().resize(size, size)).save(path.join(folder, `${id}.png`));
  }
  return folder;
}

async function nodeRecordsOf(name: string, images: string): Promise<CaseRecord[]> {
  const lm = await engine.loadModel(
    { source: { kind: 'path', path: replicaDir(name) }, device: 'wasm', dtype: 'fp32' },
    engine.host,
  );
  const records: CaseRecord[] = [];
  await engine.runCases(lm, pairMap, imageGroupsOf(requests, pairMap), folderImageLoader(engine, images), {
    mode: 'cached',
    onRecord: (r) => void records.push(r),
  });
  await lm.model.dispose();
  return records;
}

async function runInBrowser(name: string, size: number, device: 'wasm' | 'webgpu'): Promise<HarnessResult> {
  return (await page.evaluate((req) => window.runEngine(req as never), {
    load: {
      source: { kind: 'path', path: `/.fixtures/models/${name}` },
      device,
      dtype: 'fp32',
      fallbackToWasm: false,
    },
    run: {
      pairs: samplePairs,
      plan: imageGroupsOf(requests, pairMap),
      mode: 'cached',
      images: { kind: 'url', baseUrl: `/.fixtures/browser-native/${size}/`, extensions: ['.png'] },
    },
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
  engine = await createNodeEngine('wasm');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.each(BROWSER_REPLICAS)('$name in headless Chromium', ({ name, size }) => {
  let nodeRecords: CaseRecord[];

  beforeAll(async () => {
    nodeRecords = await nodeRecordsOf(name, await nativeImages(size));
  });

  it.each(['wasm', 'webgpu'] as const)('%s agrees with wasm in Node', async (device) => {
    const res = await runInBrowser(name, size, device);
    expect(res.ok, res.message).toBe(true);
    expect(res.info!.device).toBe(device);
    expect(res.records).toHaveLength(requests.length);
    const cmp = compareRecords(res.records!, nodeRecords);
    console.log(
      `${name} Chromium ${device} vs Node wasm: max |Δp| = ${cmp.maxProbDiff.toExponential(2)} over ${cmp.compared} cases`,
    );
    expect(cmp.answerMismatches).toEqual([]);
    expect(cmp.maxProbDiff).toBeLessThan(1e-3);
  });
});
