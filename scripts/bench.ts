// Benchmark: the same MediConfusion cases scored two ways on the same engine and device —
// (a) the official way, every prompt and every PS option its own full forward pass with the image
// encoded each time, and (b) the project's cached engine — alternated a b a b … over rounds.
// Prints medians, the ratio a/b, work counters of (b) against the analytic minimum, and memory;
// writes everything to a JSON file. Targets: wasm in Node, wasm and WebGPU in headless Chromium.
// Models: the tiny generated fixture, or a generated model with the shapes of
// SmolVLM-256M-Instruct (random weights, ≈ 1 GB, written on first use under .fixtures/bench/).
//   npm run bench -- [--model tiny|smolvlm-256m] [--targets node-wasm,chromium-wasm,chromium-webgpu]
//                    [--pairs N] [--rounds N] [--browser-pairs N] [--browser-rounds N]
//                    [--webgpu-pairs N] [--out file]
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { officialDataset, FIXTURES_DIR, IMAGES_DIR, TINY_MODEL_DIR } from '../test/support/fixtures.ts';
import { launchChromium } from '../test/support/browser.ts';
import { startDevServer } from '../test/support/devServer.ts';
import { imageGroupsOf } from '../src/core/run/plan.ts';
import {
  newCounters,
  type CaseRequest,
  type RunProgress,
  type WorkCounters,
} from '../src/core/run/vocabulary.ts';
import type { ConfusionPair, Method } from '../src/core/types.ts';
import { createNodeEngine, folderImageLoader } from './lib/nodeEngine.ts';
import { chromiumMemory } from './lib/processMemory.ts';
import { datasetItems, ensureFixtures, inputsHash, loadDataset } from './make-fixtures.ts';
import { BENCH_MODEL_NAME, ensureBenchModel } from './fixtures/smolvlm256mShape.ts';

type Target = 'node-wasm' | 'chromium-wasm' | 'chromium-webgpu';
const ALL_TARGETS: Target[] = ['node-wasm', 'chromium-wasm', 'chromium-webgpu'];

/**
 * Per-model defaults: three rounds everywhere (medians), the big model in Chromium only — one of
 * its rounds takes about 37 minutes on a 2-core CPU, so `--browser-rounds 1` for a quick look.
 */
const MODELS = {
  tiny: {
    label: 'tiny-smolvlm (generated fixture, fp32)',
    pairs: 176,
    rounds: 3,
    browserPairs: 20,
    browserRounds: 3,
    targets: ALL_TARGETS,
  },
  'smolvlm-256m': {
    label: `${BENCH_MODEL_NAME} (generated: SmolVLM-256M-Instruct shapes, random weights, fp32)`,
    pairs: 40,
    rounds: 3,
    browserPairs: 40,
    browserRounds: 3,
    targets: ['chromium-wasm', 'chromium-webgpu'] as Target[],
  },
} as const;
type ModelKey = keyof typeof MODELS;

interface ModeTiming {
  ms: number[];
  counters: WorkCounters | null;
}

const MB = 2 ** 20;
const toMB = (bytes: number) => Math.round(bytes / MB);

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

/** Samples taken when the cached run passes each eighth of its cases. */
function eighthSampler(sample: () => Promise<number | null> | number | null) {
  const samples: { done: number; mb: number }[] = [];
  let next = 1;
  return {
    samples,
    async onProgress(p: RunProgress) {
      if (p.done < Math.ceil((p.total * next) / 8)) return;
      next++;
      const v = await sample();
      if (v !== null) samples.push({ done: p.done, mb: toMB(v) });
    },
  };
}

/** Growth of the samples after the first eighth (the first image's caches and the arena are in it). */
function growthMB(samples: { mb: number }[]): number | null {
  if (samples.length < 2) return null;
  return samples[samples.length - 1]!.mb - samples[0]!.mb;
}

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'tiny' },
      targets: { type: 'string' },
      pairs: { type: 'string' },
      rounds: { type: 'string' },
      methods: { type: 'string', default: 'gd,ps,mc' },
      'browser-pairs': { type: 'string' },
      'browser-rounds': { type: 'string' },
      'webgpu-pairs': { type: 'string' },
      'no-browser': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (!(values.model! in MODELS)) throw new Error(`--model must be one of ${Object.keys(MODELS).join(', ')}`);
  const modelKey = values.model as ModelKey;
  const spec = MODELS[modelKey];
  let targets = (values.targets?.split(',').map((t) => t.trim()) as Target[] | undefined) ?? [
    ...spec.targets,
  ];
  for (const t of targets) if (!ALL_TARGETS.includes(t)) throw new Error(`unknown target ${t}`);
  if (values['no-browser']) targets = targets.filter((t) => t === 'node-wasm');
  const nodePairs = Number(values.pairs ?? spec.pairs);
  const nodeRounds = Number(values.rounds ?? spec.rounds);
  const browserPairs = Number(values['browser-pairs'] ?? spec.browserPairs);
  const browserRounds = Number(values['browser-rounds'] ?? spec.browserRounds);
  // WebGPU on a software adapter (SwiftShader) can be far slower than wasm: its own pair count.
  const webgpuPairs = Number(values['webgpu-pairs'] ?? browserPairs);
  const out = values.out ?? `bench-results/bench-${modelKey}.json`;
  const log = (line: string) => console.error(line);

  await ensureFixtures(FIXTURES_DIR);
  const modelDir =
    modelKey === 'tiny'
      ? TINY_MODEL_DIR
      : await ensureBenchModel(
          path.join(FIXTURES_DIR, 'bench'),
          datasetItems(await loadDataset()),
          await inputsHash(),
          log,
        );
  const modelUrl = `/${path.relative(process.cwd(), modelDir).split(path.sep).join('/')}`;

  const methods = values.methods!.split(',').map((m) => m.trim().toUpperCase()) as Method[];
  const dataset = officialDataset();
  const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));
  // The first n pairs in id order: images are shared between pairs there much as in the full set
  // (first 40: 53 unique images for 80 slots; all 176: 228 for 352).
  const firstPairs = (n: number): ConfusionPair[] => dataset.pairs.slice(0, n);
  const requestsFor = (chosen: ConfusionPair[]): CaseRequest[] =>
    chosen.flatMap((p) =>
      ([1, 2] as const).flatMap((slot) => methods.map((method) => ({ pairId: p.id, slot, method }))),
    );

  // Node engine: the analytic minimum of prefilled tokens (tokenizer and processor work only),
  // and the node-wasm target.
  const engine = await createNodeEngine('wasm');
  const lm = await engine.loadModel(
    { source: { kind: 'path', path: modelDir }, device: 'wasm', dtype: 'fp32' },
    engine.host,
  );
  const images = folderImageLoader(engine, IMAGES_DIR);
  const planner = new engine.Scorer(lm, newCounters());
  const workload = async (n: number) => {
    const chosen = firstPairs(n);
    const requests = requestsFor(chosen);
    const groups = imageGroupsOf(requests, pairs);
    let minimumPrefillTokens = 0;
    for (const group of groups) {
      const image = await images(group.localId);
      if (image)
        minimumPrefillTokens += await planner.minimumPrefillTokens(engine.imageWork(group, pairs, image));
    }
    return { chosen, requests, groups, uniqueImages: groups.length, minimumPrefillTokens };
  };
  const work = (w: Awaited<ReturnType<typeof workload>>, cached: WorkCounters | null) => ({
    pairs: w.chosen.length,
    uniqueImages: w.uniqueImages,
    minimumPrefillTokens: w.minimumPrefillTokens,
    prefillOverMinimum: cached ? Number((cached.tokensPrefilled / w.minimumPrefillTokens).toFixed(3)) : null,
    encoderRunsEqualUniqueImages: cached ? cached.visionEncoderRuns === w.uniqueImages : null,
  });

  const results: unknown[] = [];
  const header = {
    model: spec.label,
    methods,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: process.platform,
      webgpuAdapter: 'SwiftShader (CPU) in headless Chromium: no GPU on this machine',
    },
    date: new Date().toISOString(),
  };
  // Written after every target, so a long run that is stopped keeps what it measured.
  const save = async (extra: object = {}) => {
    await mkdir(path.dirname(out), { recursive: true });
    const result = { ...header, ...extra, results };
    await writeFile(out, JSON.stringify(result, null, 2));
    return result;
  };
  if (targets.includes('node-wasm')) {
    const w = await workload(nodePairs);
    const timing = {
      full: { ms: [], counters: null } as ModeTiming,
      cached: { ms: [], counters: null } as ModeTiming,
    };
    let peakRss = 0;
    let rssEighths: { done: number; mb: number }[] = [];
    let heapEighths: { done: number; mb: number }[] = [];
    for (let round = 0; round < nodeRounds; round++) {
      for (const mode of ['full', 'cached'] as const) {
        const rss = eighthSampler(() => process.memoryUsage().rss);
        const heap = eighthSampler(() => process.memoryUsage().heapUsed);
        const summary = await engine.runCases(
          lm,
          pairs,
          w.groups,
          images,
          {
            mode,
            onRecord: () => {},
            onProgress: (p: RunProgress) => {
              peakRss = Math.max(peakRss, process.memoryUsage().rss);
              if (mode === 'cached' && round === 0) {
                void rss.onProgress(p);
                void heap.onProgress(p);
              }
            },
          },
          new engine.Scorer(lm, newCounters()),
        );
        if (mode === 'cached' && round === 0) {
          rssEighths = rss.samples;
          heapEighths = heap.samples;
        }
        timing[mode].ms.push(summary.elapsedMs);
        timing[mode].counters = summary.counters;
        log(`node wasm round ${round + 1}: ${mode} ${(summary.elapsedMs / 1000).toFixed(1)} s`);
      }
    }
    results.push({
      ...summarise('node-wasm', timing.full, timing.cached, w.requests.length),
      ...work(w, timing.cached.counters),
      threads: 1,
      memory: {
        peakRssMB: toMB(peakRss),
        rssMBAtEachEighthOfCachedRun: rssEighths,
        heapUsedMBAtEachEighthOfCachedRun: heapEighths,
        rssGrowthAfterFirstEighthMB: growthMB(rssEighths),
      },
    });
    await save();
  }
  const browserWork = new Map<Target, Awaited<ReturnType<typeof workload>>>();
  for (const t of targets) {
    if (t !== 'node-wasm')
      browserWork.set(t, await workload(t === 'chromium-webgpu' ? webgpuPairs : browserPairs));
  }
  await lm.model.dispose();

  // ---- Headless Chromium: wasm and WebGPU (SwiftShader adapter here), one browser session
  if (browserWork.size > 0) {
    const { server, url } = await startDevServer();
    const browser = await launchChromium({ webgpu: true });
    const memory = () => chromiumMemory(browser.userDataDir);
    try {
      const page = await browser.context.newPage();
      let progressHook: ((p: RunProgress) => void) | null = null;
      await page.exposeFunction('onHarnessProgress', (p: RunProgress) => progressHook?.(p));
      await page.goto(`${url}/test/e2e/harness/index.html`);
      await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 120_000 });
      for (const [target, w] of browserWork) {
        const device = target === 'chromium-webgpu' ? 'webgpu' : 'wasm';
        const timing = {
          full: { ms: [], counters: null } as ModeTiming,
          cached: { ms: [], counters: null } as ModeTiming,
        };
        const peak = { rendererBytes: 0, gpuBytes: 0 };
        let rendererEighths: { done: number; mb: number }[] = [];
        let threads: number | null = null;
        const entry = (roundsDone: number) => ({
          ...summarise(target, timing.full, timing.cached, w.requests.length),
          ...work(w, timing.cached.counters),
          ...(device === 'wasm' ? { threads } : {}),
          ...(roundsDone < browserRounds ? { partial: `${roundsDone} of ${browserRounds} rounds` } : {}),
          memory: {
            peakRendererRssMB: toMB(peak.rendererBytes),
            peakGpuProcessRssMB: toMB(peak.gpuBytes),
            rendererRssMBAtEachEighthOfCachedRun: rendererEighths,
            rendererGrowthAfterFirstEighthMB: growthMB(rendererEighths),
          },
        });
        const slot = results.length;
        for (let round = 0; round < browserRounds; round++) {
          for (const mode of ['full', 'cached'] as const) {
            const renderer = eighthSampler(async () => (await memory())?.rendererBytes ?? null);
            let lastLog = performance.now();
            progressHook = (p) => {
              if (mode === 'cached' && round === 0) void renderer.onProgress(p);
              if (performance.now() - lastLog > 60_000 || p.done === p.total) {
                lastLog = performance.now();
                log(
                  `  chromium ${device} ${mode}: ${p.done}/${p.total} cases, ${(p.elapsedMs / 1000).toFixed(0)} s`,
                );
              }
            };
            const poll = setInterval(() => {
              void memory().then((m) => {
                if (!m) return;
                peak.rendererBytes = Math.max(peak.rendererBytes, m.rendererBytes);
                peak.gpuBytes = Math.max(peak.gpuBytes, m.gpuBytes);
              });
            }, 1000);
            const res = (await page
              .evaluate((req) => window.runEngine(req as never), {
                load: {
                  source: { kind: 'path', path: modelUrl },
                  device,
                  dtype: 'fp32',
                  fallbackToWasm: false,
                },
                run: {
                  pairs: w.chosen,
                  plan: w.groups,
                  mode,
                  images: { kind: 'url', baseUrl: '/.fixtures/images/' },
                },
              })
              .finally(() => clearInterval(poll))) as {
              ok: boolean;
              message?: string;
              environment?: { threads?: number };
              summary: { elapsedMs: number; counters: WorkCounters };
            };
            if (!res.ok) throw new Error(`chromium ${device} ${mode}: ${res.message}`);
            threads = res.environment?.threads ?? threads;
            if (mode === 'cached' && round === 0) rendererEighths = renderer.samples;
            timing[mode].ms.push(res.summary.elapsedMs);
            timing[mode].counters = res.summary.counters;
            log(
              `chromium ${device} round ${round + 1}: ${mode} ${(res.summary.elapsedMs / 1000).toFixed(1)} s`,
            );
          }
          // Saved after every round: one round of the big model takes over half an hour here.
          results[slot] = entry(round + 1);
          await save();
        }
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }

  const bundle = await bundleSizes();
  log(`main bundle (entry JS, gzip): ${(bundle.mainGzipBytes / 1000).toFixed(1)} kB (limit 250 kB)`);

  const result = await save({ bundle });
  console.log(JSON.stringify(result, null, 2));
  log(`written to ${out}`);
}

/**
 * Builds the app into a temp folder and reports every emitted file, raw and gzipped. The build
 * runs in its own process: the dev server started above sets NODE_ENV=development in this one,
 * which would bundle React's development build and overstate the main chunk.
 */
async function bundleSizes() {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { createRequire } = await import('node:module');
  const { mkdtemp, readdir, readFile, rm } = await import('node:fs/promises');
  const { gzipSync } = await import('node:zlib');
  const { tmpdir } = await import('node:os');
  const outDir = await mkdtemp(path.join(tmpdir(), 'bench-build-'));
  try {
    const viteBin = path.join(
      path.dirname(createRequire(import.meta.url).resolve('vite/package.json')),
      'bin/vite.js',
    );
    await promisify(execFile)(
      process.execPath,
      [viteBin, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      { env: { ...process.env, NODE_ENV: 'production' } },
    );
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
