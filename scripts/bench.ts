// Benchmark: the same MediConfusion cases scored two ways on the same engine and device —
// (a) the official way, every prompt and every PS option its own full forward pass with the image
// encoded each time, and (b) the project's cached engine — alternated a b a b … over rounds.
// Prints medians, the ratio a/b, work counters of (b) against the analytic minimum, and memory;
// writes everything to a JSON file. Runs wasm in Node, and wasm + WebGPU in headless Chromium.
//   npm run bench -- [--pairs 176] [--rounds 3] [--browser-pairs 20] [--browser-rounds 1] [--no-browser]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { officialDataset, IMAGES_DIR, TINY_MODEL_DIR } from '../test/support/fixtures.ts';
import { launchChromium } from '../test/support/browser.ts';
import { startDevServer } from '../test/support/devServer.ts';
import type { CaseRequest, RunProgress, WorkCounters } from '../workers/engine/types.ts';
import { createNodeEngine, folderImageLoader } from './lib/nodeEngine.ts';
import { ensureFixtures } from './make-fixtures.ts';
import type { Method } from '../src/core/types.ts';

interface ModeTiming {
  ms: number[];
  counters: WorkCounters | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function summarise(label: string, full: ModeTiming, cached: ModeTiming, cases: number) {
  const a = median(full.ms);
  const b = median(cached.ms);
  return {
    label,
    cases,
    rounds: full.ms.length,
    fullMedianMs: Math.round(a),
    cachedMedianMs: Math.round(b),
    ratio: Number((a / b).toFixed(2)),
    fullRunsMs: full.ms.map(Math.round),
    cachedRunsMs: cached.ms.map(Math.round),
    cachedCounters: cached.counters,
    fullCounters: full.counters,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '176' },
      rounds: { type: 'string', default: '3' },
      methods: { type: 'string', default: 'gd,ps,mc' },
      'browser-pairs': { type: 'string', default: '20' },
      'browser-rounds': { type: 'string', default: '1' },
      'no-browser': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results/bench.json' },
    },
  });
  await ensureFixtures('.fixtures');
  const methods = values.methods!.split(',').map((m) => m.trim().toUpperCase()) as Method[];
  const dataset = officialDataset();
  const requestsFor = (n: number): CaseRequest[] =>
    dataset.pairs
      .slice(0, n)
      .flatMap((p) =>
        ([1, 2] as const).flatMap((slot) => methods.map((method) => ({ pairId: p.id, slot, method }))),
      );
  const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));

  // ---- Node, onnxruntime-web wasm
  const engine = await createNodeEngine('wasm');
  const lm = await engine.loadModel(
    { source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm', dtype: 'fp32' },
    engine.host,
  );
  const requests = requestsFor(Number(values.pairs));
  const groups = engine.groupByImage(requests, pairs);
  const images = folderImageLoader(engine, IMAGES_DIR);

  // Analytic minimum of prefilled tokens for these cases.
  const planner = new engine.Scorer(lm, engine.newCounters());
  let minimumPrefill = 0;
  for (const [localId, cases] of groups) {
    const image = await images(localId);
    if (image) minimumPrefill += await planner.minimumPrefillTokens({ image, cases });
  }

  const node = {
    full: { ms: [], counters: null } as ModeTiming,
    cached: { ms: [], counters: null } as ModeTiming,
  };
  const heapSamples: number[] = [];
  let peakRss = 0;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const mode of ['full', 'cached'] as const) {
      const scorer = new engine.Scorer(lm, engine.newCounters());
      const summary = await engine.runCases(
        lm,
        pairs,
        requests,
        images,
        {
          mode,
          onRecord: () => {},
          onProgress: (p: RunProgress) => {
            peakRss = Math.max(peakRss, process.memoryUsage().rss);
            if (mode === 'cached' && round === 0 && p.done % Math.ceil(p.total / 8) === 0) {
              heapSamples.push(process.memoryUsage().heapUsed);
            }
          },
        },
        scorer,
      );
      node[mode].ms.push(summary.elapsedMs);
      node[mode].counters = summary.counters;
      console.error(`node wasm round ${round + 1}: ${mode} ${(summary.elapsedMs / 1000).toFixed(1)} s`);
    }
  }
  const nodeResult = {
    ...summarise('node-wasm', node.full, node.cached, requests.length),
    uniqueImages: groups.size,
    minimumPrefillTokens: minimumPrefill,
    prefillOverMinimum: Number((node.cached.counters!.tokensPrefilled / minimumPrefill).toFixed(3)),
    peakRssMB: Math.round(peakRss / 2 ** 20),
    heapUsedMBDuringCachedRun: heapSamples.map((h) => Math.round(h / 2 ** 20)),
  };
  await lm.model.dispose();

  // ---- Headless Chromium: wasm and WebGPU (SwiftShader adapter here)
  const browserResults: unknown[] = [];
  if (!values['no-browser']) {
    const { server, url } = await startDevServer();
    const browser = await launchChromium({ webgpu: true });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${url}/test/e2e/harness/index.html`);
      await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 120_000 });
      const n = Number(values['browser-pairs']);
      const browserRequests = requestsFor(n);
      for (const device of ['wasm', 'webgpu'] as const) {
        const timing = {
          full: { ms: [], counters: null } as ModeTiming,
          cached: { ms: [], counters: null } as ModeTiming,
        };
        for (let round = 0; round < Number(values['browser-rounds']); round++) {
          for (const mode of ['full', 'cached'] as const) {
            const res = (await page.evaluate((req) => window.runEngine(req as never), {
              load: {
                source: { kind: 'path', path: '/.fixtures/models/tiny-smolvlm' },
                device,
                dtype: 'fp32',
                fallbackToWasm: false,
              },
              run: {
                pairs: dataset.pairs.slice(0, n),
                cases: browserRequests,
                mode,
                images: { kind: 'url', baseUrl: '/.fixtures/images/' },
              },
            })) as { ok: boolean; message?: string; summary: { elapsedMs: number; counters: WorkCounters } };
            if (!res.ok) throw new Error(`browser ${device} ${mode}: ${res.message}`);
            timing[mode].ms.push(res.summary.elapsedMs);
            timing[mode].counters = res.summary.counters;
            console.error(
              `chromium ${device} round ${round + 1}: ${mode} ${(res.summary.elapsedMs / 1000).toFixed(1)} s`,
            );
          }
        }
        browserResults.push(
          summarise(`chromium-${device}`, timing.full, timing.cached, browserRequests.length),
        );
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }

  const bundle = await bundleSizes();
  console.error(`main bundle (entry JS, gzip): ${(bundle.mainGzipBytes / 1024).toFixed(1)} kB`);

  const result = {
    model: 'tiny-smolvlm (generated, fp32)',
    bundle,
    methods,
    machine: {
      cpus: (await import('node:os')).cpus().length,
      node: process.version,
      platform: process.platform,
    },
    date: new Date().toISOString(),
    results: [nodeResult, ...browserResults],
  };
  await mkdir(path.dirname(values.out!), { recursive: true });
  await writeFile(values.out!, JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result, null, 2));
}

/** Builds the app into a temp folder and reports every emitted file, raw and gzipped. */
async function bundleSizes() {
  const { build } = await import('vite');
  const { mkdtemp, readdir, readFile, rm } = await import('node:fs/promises');
  const { gzipSync } = await import('node:zlib');
  const { tmpdir } = await import('node:os');
  const outDir = await mkdtemp(path.join(tmpdir(), 'bench-build-'));
  try {
    await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const files = (await readdir(outDir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    const chunks = [];
    for (const f of files) {
      const full = path.join(f.parentPath, f.name);
      const bytes = await readFile(full);
      chunks.push({
        file: path.relative(outDir, full),
        bytes: bytes.length,
        gzipBytes: gzipSync(bytes).length,
      });
    }
    chunks.sort((a, b) => b.bytes - a.bytes);
    const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
    const entry = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
    const main = chunks.find((c) => c.file === entry);
    return { mainChunk: entry ?? null, mainGzipBytes: main?.gzipBytes ?? 0, chunks };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
