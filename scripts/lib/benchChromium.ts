// The benchmark's headless-Chromium targets (wasm, and WebGPU on whatever adapter the browser
// has): one browser session, the engine in its real worker through the test harness page. Per
// round: this engine (cached), then — once — the floor of the same plan (engine/floor.ts) and this
// engine with "single view" preprocessing, then the official way (full). Wall time is also taken at the end of every image, so a long official
// run that is stopped still compares the two ways on the images both finished.
import type { ImageGroup } from '../../src/core/run/plan.ts';
import type { RunProgress, WorkCounters } from '../../src/core/run/vocabulary.ts';
import type { ConfusionPair, Method } from '../../src/core/types.ts';
import type { FloorReport } from '../../workers/engine/floor.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { startDevServer } from '../../test/support/devServer.ts';
import { chromiumMemory } from './processMemory.ts';

export type Way = 'cached' | 'full';

export interface BrowserWorkload {
  chosen: ConfusionPair[];
  groups: ImageGroup[];
}

export interface WayRun {
  wallMs: number;
  counters: WorkCounters;
  /** Cumulative wall time at the end of each image of the plan (ms since the run started). */
  imageEndsMs: number[];
  rendererMBAtEachEighth: { done: number; mb: number }[];
  complete: boolean;
}

export interface BrowserTargetResult {
  target: string;
  device: 'wasm' | 'webgpu';
  threads: number | null;
  rounds: { cached?: WayRun; full?: WayRun }[];
  floor: FloorReport | null;
  /** This engine once more with image splitting off (the "single view" choice), round 1 only. */
  singleView: WayRun | null;
  peakRendererRssMB: number;
  peakGpuProcessRssMB: number;
}

const MB = 2 ** 20;

/** Case count at the end of each image group (the runner goes through groups in order). */
function groupEnds(groups: ImageGroup[]): number[] {
  let n = 0;
  return groups.map((g) => (n += g.cases.reduce((a, c) => a + c.methods.length, 0)));
}

export async function benchChromium(opts: {
  targets: { target: string; device: 'wasm' | 'webgpu'; work: BrowserWorkload }[];
  rounds: number;
  floor: boolean;
  singleView: boolean;
  modelUrl: string;
  imagesUrl: string;
  methods: Method[];
  log(line: string): void;
  /** Called whenever a result changed (after each image of a run), so a stopped run keeps it. */
  onUpdate(results: BrowserTargetResult[]): Promise<void>;
}): Promise<BrowserTargetResult[]> {
  const { server, url } = await startDevServer();
  const browser = await launchChromium({ webgpu: true });
  const memory = () => chromiumMemory(browser.userDataDir);
  const results: BrowserTargetResult[] = [];
  try {
    const page = await browser.context.newPage();
    let progressHook: ((p: RunProgress) => void) | null = null;
    await page.exposeFunction('onHarnessProgress', (p: RunProgress) => progressHook?.(p));
    await page.goto(`${url}/test/e2e/harness/index.html`);
    await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 120_000 });
    for (const { target, device, work } of opts.targets) {
      const result: BrowserTargetResult = {
        target,
        device,
        threads: null,
        rounds: [],
        floor: null,
        singleView: null,
        peakRendererRssMB: 0,
        peakGpuProcessRssMB: 0,
      };
      results.push(result);
      const request = (mode: Way, preprocessing: 'default' | 'single-view' = 'default') => ({
        load: {
          source: { kind: 'path', path: opts.modelUrl },
          device,
          dtype: 'fp32',
          fallbackToWasm: false,
        },
        run: {
          pairs: work.chosen,
          plan: work.groups,
          mode,
          preprocessing,
          images: { kind: 'url', baseUrl: opts.imagesUrl },
        },
      });
      const poll = setInterval(() => {
        void memory().then((m) => {
          if (!m) return;
          result.peakRendererRssMB = Math.max(result.peakRendererRssMB, Math.round(m.rendererBytes / MB));
          result.peakGpuProcessRssMB = Math.max(result.peakGpuProcessRssMB, Math.round(m.gpuBytes / MB));
        });
      }, 1000);
      try {
        for (let round = 0; round < opts.rounds; round++) {
          const entry: BrowserTargetResult['rounds'][number] = {};
          result.rounds.push(entry);
          for (const mode of ['cached', 'full'] as const) {
            const ends = groupEnds(work.groups);
            const run: WayRun = {
              wallMs: 0,
              counters: null as unknown as WorkCounters,
              imageEndsMs: [],
              rendererMBAtEachEighth: [],
              complete: false,
            };
            entry[mode] = run;
            let nextEighth = 1;
            let lastLog = performance.now();
            progressHook = (p) => {
              run.counters = p.counters;
              run.wallMs = p.elapsedMs;
              if (p.done >= ends[run.imageEndsMs.length]!) {
                run.imageEndsMs.push(Math.round(p.elapsedMs));
                void opts.onUpdate(results);
              }
              if (p.done >= Math.ceil((p.total * nextEighth) / 8)) {
                nextEighth++;
                void memory().then((m) => {
                  if (m)
                    run.rendererMBAtEachEighth.push({ done: p.done, mb: Math.round(m.rendererBytes / MB) });
                });
              }
              if (performance.now() - lastLog > 60_000 || p.done === p.total) {
                lastLog = performance.now();
                opts.log(
                  `  chromium ${device} ${mode}: ${p.done}/${p.total} cases, ${(p.elapsedMs / 1000).toFixed(0)} s`,
                );
              }
            };
            const res = (await page.evaluate((req) => window.runEngine(req as never), request(mode))) as {
              ok: boolean;
              message?: string;
              environment?: { threads?: number };
              summary: { elapsedMs: number; counters: WorkCounters };
            };
            // The floor and the single-view run report progress too: they must not write into this run.
            progressHook = null;
            if (!res.ok) throw new Error(`chromium ${device} ${mode}: ${res.message}`);
            result.threads = res.environment?.threads ?? result.threads;
            Object.assign(run, {
              wallMs: res.summary.elapsedMs,
              counters: res.summary.counters,
              complete: true,
            });
            opts.log(
              `chromium ${device} round ${round + 1}: ${mode} ${(res.summary.elapsedMs / 1000).toFixed(1)} s`,
            );
            await opts.onUpdate(results);
            if (mode === 'cached' && round === 0 && opts.floor) {
              const f = (await page.evaluate(
                (req) => window.runEngine({ ...(req as object), floor: true } as never),
                request('cached'),
              )) as { ok: boolean; message?: string; floor: FloorReport };
              if (!f.ok) throw new Error(`chromium ${device} floor: ${f.message}`);
              result.floor = f.floor;
              opts.log(`chromium ${device} floor: ${(f.floor.totalMs / 1000).toFixed(1)} s`);
              await opts.onUpdate(results);
            }
            if (mode === 'cached' && round === 0 && opts.singleView) {
              const v = (await page.evaluate(
                (req) => window.runEngine(req as never),
                request('cached', 'single-view'),
              )) as { ok: boolean; message?: string; summary: { elapsedMs: number; counters: WorkCounters } };
              if (!v.ok) throw new Error(`chromium ${device} single view: ${v.message}`);
              result.singleView = {
                wallMs: v.summary.elapsedMs,
                counters: v.summary.counters,
                imageEndsMs: [],
                rendererMBAtEachEighth: [],
                complete: true,
              };
              opts.log(`chromium ${device} single view: ${(v.summary.elapsedMs / 1000).toFixed(1)} s`);
              await opts.onUpdate(results);
            }
          }
        }
      } finally {
        clearInterval(poll);
        progressHook = null;
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return results;
}
