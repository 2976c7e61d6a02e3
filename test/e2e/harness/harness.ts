// Browser-side half of the engine tests: starts the real inference worker and exposes a
// function the Playwright test calls to load a model and score cases.
import * as Comlink from 'comlink';
import type { EngineWorkerApi, RunRequest } from '../../../workers/engine/protocol.ts';
import type { CaseRecord } from '../../../src/core/types.ts';
import type { LoadOptions } from '../../../workers/engine/protocol.ts';
import type { RunProgress } from '../../../src/core/run/vocabulary.ts';

interface HarnessRun {
  load: LoadOptions;
  run: RunRequest;
  cancelAfter?: number;
  /** Measure the plan's floor (engine/floor.ts) instead of running it: the benchmark's. */
  floor?: boolean;
}

declare global {
  interface Window {
    runEngine(req: HarnessRun): Promise<unknown>;
    harnessReady: boolean;
    /** set by the benchmark (Playwright exposeFunction) to follow a run */
    onHarnessProgress?: (p: RunProgress) => void;
  }
}

window.runEngine = async (req: HarnessRun) => {
  const worker = new Worker(new URL('../../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
  });
  const engine = Comlink.wrap<EngineWorkerApi>(worker);
  try {
    const environment = await engine.environment();
    const info = await engine.load(req.load);
    if (req.floor) return { ok: true, environment, info, floor: await engine.measureFloor(req.run) };
    const records: CaseRecord[] = [];
    const progress: RunProgress[] = [];
    const problems: unknown[] = [];
    const summary = await engine.run(
      req.run,
      Comlink.proxy({
        onRecord: (r: CaseRecord) => {
          records.push(r);
          if (req.cancelAfter !== undefined && records.length === req.cancelAfter) void engine.cancel();
        },
        onProgress: (p: RunProgress) => {
          progress.push(p);
          window.onHarnessProgress?.(p);
        },
        onImageProblem: (p: unknown) => void problems.push(p),
      }),
    );
    return { ok: true, environment, info, summary, records, problems, progressEvents: progress.length };
  } catch (e) {
    const err = e as { kind?: string; message?: string };
    return { ok: false, kind: err.kind ?? 'unknown', message: err.message ?? String(e) };
  } finally {
    worker.terminate();
  }
};
window.harnessReady = true;
