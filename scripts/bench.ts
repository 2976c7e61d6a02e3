// Benchmark: the same MediConfusion cases scored two ways on the same engine and device —
// (a) the official way, every prompt and every PS option its own full forward pass with the image
// encoded each time, and (b) the project's cached engine — over rounds, with the floor of the same
// plan (each image's crops encoded once plus the minimum of prefill and decoding, each timed alone).
// Prints medians, the ratio a/b, work counters of both against the analytic minimum, and memory;
// writes everything to a JSON file. Targets: wasm in Node, wasm and WebGPU in headless Chromium.
// Models: the tiny generated fixture, or a generated model with the shapes of
// SmolVLM-256M-Instruct (random weights, ≈ 1 GB, written on first use under .fixtures/bench/), with
// one view per image (smolvlm-256m) or the published image splitting (smolvlm-256m-split, which
// also runs the table of choices — dtypes, single view — on the split replica).
//   npm run bench -- [--model tiny|smolvlm-256m|smolvlm-256m-split]
//                    [--targets node-wasm,chromium-wasm,chromium-webgpu]
//                    [--pairs N] [--rounds N] [--browser-pairs N] [--browser-rounds N]
//                    [--webgpu-pairs N] [--no-floor] [--no-single-view] [--no-choices]
//                    [--choices-model replica-smolvlm] [--out file]
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { officialDataset, FIXTURES_DIR, IMAGES_DIR, TINY_MODEL_DIR } from '../test/support/fixtures.ts';
import { imageGroupsOf } from '../src/core/run/plan.ts';
import {
  newCounters,
  type CaseRequest,
  type RunProgress,
  type WorkCounters,
} from '../src/core/run/vocabulary.ts';
import type { ConfusionPair, Method } from '../src/core/types.ts';
import { createNodeEngine, folderImageLoader } from './lib/nodeEngine.ts';
import { bundleSizes } from './lib/bundleSizes.ts';
import { datasetItems, ensureFixtures, inputsHash, loadDataset } from './make-fixtures.ts';
import { ensureBenchImages } from './fixtures/benchImages.ts';
import {
  BENCH_MODEL_NAME,
  ensureBenchModel,
  ensureSplitBenchModel,
  SPLIT_BENCH_MODEL_NAME,
} from './fixtures/smolvlm256mShape.ts';
import { benchChromium, type BrowserTargetResult } from './lib/benchChromium.ts';
import { benchChoices, type ChoiceRow } from './lib/benchChoices.ts';
import { browserReport, median } from './lib/benchReport.ts';

type Target = 'node-wasm' | 'chromium-wasm' | 'chromium-webgpu';
const ALL_TARGETS: Target[] = ['node-wasm', 'chromium-wasm', 'chromium-webgpu'];

const BENCH_DIR = path.join(FIXTURES_DIR, 'bench');

/**
 * Per-model defaults: three rounds everywhere (medians), the big model in Chromium only — one of
 * its rounds takes about 37 minutes on a 2-core CPU, so `--browser-rounds 1` for a quick look.
 * The split shape (SmolVLM-256M's published image splitting, 13–17 crops per image) runs one
 * round of six pairs: its official way alone takes hours on a 2-core CPU.
 */
const MODELS: Record<
  string,
  {
    label: string;
    pairs: number;
    rounds: number;
    browserPairs: number;
    browserRounds: number;
    targets: Target[];
    imagesDir?: string;
    /** Replica whose dtype variants and single view make the table of choices (benchChoices). */
    choicesModel?: string;
  }
> = {
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
  'smolvlm-256m-split': {
    label: `${SPLIT_BENCH_MODEL_NAME} (generated: SmolVLM-256M-Instruct shapes and published image splitting, random weights, fp32)`,
    pairs: 6,
    rounds: 1,
    // The first 6 pairs: 8 unique images for 12 slots, the full set's sharing (228 for 352).
    browserPairs: 6,
    browserRounds: 1,
    targets: ['chromium-wasm'],
    imagesDir: path.join(BENCH_DIR, 'images'),
    choicesModel: 'replica-smolvlm',
  },
};
type ModelKey = string;

interface ModeTiming {
  ms: number[];
  counters: WorkCounters | null;
}

const MB = 2 ** 20;
const toMB = (bytes: number) => Math.round(bytes / MB);

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
      'no-floor': { type: 'boolean', default: false },
      'no-single-view': { type: 'boolean', default: false },
      'no-choices': { type: 'boolean', default: false },
      'choices-model': { type: 'string' },
    },
  });
  if (!(values.model! in MODELS)) throw new Error(`--model must be one of ${Object.keys(MODELS).join(', ')}`);
  const modelKey = values.model as ModelKey;
  const spec = MODELS[modelKey]!;
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
  const benchModel = async () =>
    ensureBenchModel(BENCH_DIR, datasetItems(await loadDataset()), await inputsHash(), log);
  const modelDir =
    modelKey === 'tiny'
      ? TINY_MODEL_DIR
      : modelKey === 'smolvlm-256m'
        ? await benchModel()
        : await ensureSplitBenchModel(BENCH_DIR, await benchModel());
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
  const imagesDir = spec.imagesDir ?? IMAGES_DIR;
  if (spec.imagesDir) {
    const ids = new Set(
      firstPairs(Math.max(nodePairs, browserPairs)).flatMap((p) => [p.im1Local, p.im2Local]),
    );
    const sizes = await ensureBenchImages(spec.imagesDir, ids);
    log(
      `bench images at figure sizes: ${Object.values(sizes)
        .map((s) => `${s.width}×${s.height}`)
        .join(', ')}`,
    );
  }
  const images = folderImageLoader(engine, imagesDir);
  const planner = new engine.Scorer(lm, newCounters());
  const workload = async (n: number) => {
    const chosen = firstPairs(n);
    const requests = requestsFor(chosen);
    const groups = imageGroupsOf(requests, pairs);
    let minimumPrefillTokens = 0;
    const cropsPerImage: Record<string, number> = {};
    for (const group of groups) {
      const image = await images(group.localId);
      if (!image) continue;
      const imageWork = engine.imageWork(group, pairs, image);
      const plan = await planner.plan(imageWork);
      if (!plan) continue;
      minimumPrefillTokens += engine.minimumPrefillOf(plan);
      cropsPerImage[group.localId] = lm.adapter.imageTokens(lm, plan.imageInputs, plan.planned[0]!.ids).crops;
    }
    const uniqueImageCrops = Object.values(cropsPerImage).reduce((a, b) => a + b, 0);
    return {
      chosen,
      requests,
      groups,
      uniqueImages: groups.length,
      minimumPrefillTokens,
      cropsPerImage,
      uniqueImageCrops,
    };
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
    const targetsRun = [...browserWork].map(([target, w]) => ({
      target,
      device: target === 'chromium-webgpu' ? ('webgpu' as const) : ('wasm' as const),
      work: w,
    }));
    const first = results.length;
    const report = (browser: BrowserTargetResult[]) =>
      browser.forEach((b, k) => {
        const w = browserWork.get(b.target as Target)!;
        results[first + k] = browserReport(b, w, browserRounds);
      });
    await benchChromium({
      targets: targetsRun,
      rounds: browserRounds,
      floor: !values['no-floor'],
      singleView: !values['no-single-view'],
      modelUrl,
      imagesUrl: `/${path.relative(process.cwd(), imagesDir).split(path.sep).join('/')}/`,
      methods,
      log,
      onUpdate: async (browser) => {
        report(browser);
        await save();
      },
    });
  }

  // ---- Choices a user can make (dtype, single view) on the split replica, same pairs
  let choices: ChoiceRow[] | null = null;
  const choicesModel = values['choices-model'] ?? spec.choicesModel;
  if (choicesModel && !values['no-choices']) {
    const dir = path.join(FIXTURES_DIR, 'models', choicesModel);
    const chosen = firstPairs(browserPairs);
    const w = { chosen, groups: imageGroupsOf(requestsFor(chosen), pairs) };
    choices = await benchChoices({
      modelDir: dir,
      modelUrl: `/${path.relative(process.cwd(), dir).split(path.sep).join('/')}`,
      imagesUrl: `/${path.relative(process.cwd(), IMAGES_DIR).split(path.sep).join('/')}/`,
      chosen: w.chosen,
      groups: w.groups,
      log,
    });
    await save({ choices: { model: choicesModel, rows: choices } });
  }

  const bundle = await bundleSizes();
  log(`main bundle (entry JS, gzip): ${(bundle.mainGzipBytes / 1000).toFixed(1)} kB (limit 250 kB)`);

  const result = await save({
    ...(choices ? { choices: { model: choicesModel, rows: choices } } : {}),
    bundle,
  });
  console.log(JSON.stringify(result, null, 2));
  log(`written to ${out}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
