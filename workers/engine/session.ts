// The engine behind the worker's API, free of browser specifics so Node can run the very same code:
// one loaded model and one FF judge at a time, one run at a time, cancellation between forward
// passes, and every finished case stored under its case key before it is reported (each image's
// embedding, the model's own view of it, stored with the run as its scoring finishes).
import { caseKeyOf } from '../../src/core/run/records.ts';
import { newCounters } from '../../src/core/run/vocabulary.ts';
import { openBenchmarkDb, putCase, putImageEmbedding } from '../../src/db/database.ts';
import { EngineError, toEngineFailure } from './errors.ts';
import { measureFloor, type FloorReport } from './floor.ts';
import { judgeFreeFormAnswer, loadJudge, type LoadedJudge } from './judge.ts';
import { loadModel, type EngineHost, type LoadedModel } from './loadModel.ts';
import type {
  ImageSourceSpec,
  JudgeInfo,
  LoadedModelInfo,
  LoadOptions,
  LoadProgress,
  RunCallbacks,
  RunOutcome,
  RunRequest,
} from './protocol.ts';
import { runCases, type ImageLoader } from './runner.ts';
import { Scorer, type FreeFormOptions } from './scorer.ts';

export interface SessionPlatform {
  host: EngineHost;
  /** Turns the request's image source into a loader. */
  imageLoader(spec: ImageSourceSpec): ImageLoader;
  /** Why the GPU device was lost, once it was (checked between forward passes). */
  deviceLost(): string | null;
  /** Called after a model loaded (the worker watches a WebGPU device from then on). */
  onLoaded?(model: LoadedModel): void;
  /** How a model is loaded (engine/loadModel.ts unless a caller wraps it). */
  loadModel?: typeof loadModel;
}

export interface EngineSession {
  load(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo>;
  loadJudge(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<JudgeInfo>;
  run(request: RunRequest, callbacks?: RunCallbacks): Promise<RunOutcome>;
  measureFloor(request: RunRequest): Promise<FloorReport>;
  cancel(): void;
  dispose(): Promise<void>;
  readonly model: LoadedModel | null;
}

export function createEngineSession(platform: SessionPlatform): EngineSession {
  let loaded: LoadedModel | null = null;
  let judge: LoadedJudge | null = null;
  let cancelRequested = false;

  /** Errors leave as plain data; a lost device explains whatever failed after it. */
  function failure(e: unknown): never {
    const f = toEngineFailure(e);
    const lost = platform.deviceLost();
    if (lost && f.kind !== 'cancelled')
      throw { kind: 'device-lost', message: `The GPU device was lost: ${lost}` };
    throw f;
  }

  /** FF needs the judge; the scorer refuses FF cases (clearly) when none is loaded. */
  function freeFormOptions(settings: RunRequest['freeForm']): FreeFormOptions {
    const current = judge;
    return {
      ...(settings?.maxNewTokens ? { maxNewTokens: settings.maxNewTokens } : {}),
      ...(current
        ? {
            judge: (pair, answerText) =>
              judgeFreeFormAnswer(current, pair, answerText, {
                ...(settings?.threshold !== undefined ? { threshold: settings.threshold } : {}),
              }),
          }
        : {}),
    };
  }

  return {
    get model() {
      return loaded;
    },

    async load(opts, onProgress) {
      try {
        if (loaded) await loaded.model.dispose();
        loaded = null;
        loaded = await (platform.loadModel ?? loadModel)(opts, platform.host, (p) => onProgress?.(p));
        platform.onLoaded?.(loaded);
        return loaded.info;
      } catch (e) {
        failure(e);
      }
    },

    async loadJudge(opts, onProgress) {
      try {
        if (judge) await judge.model.dispose();
        judge = null;
        judge = await loadJudge(opts, platform.host, (p) => onProgress?.(p));
        return judge.info;
      } catch (e) {
        failure(e);
      }
    },

    async run(request, callbacks = {}) {
      if (!loaded) failure(new EngineError('internal', 'No model loaded'));
      cancelRequested = false;
      const { persist } = request;
      const db = persist ? await openBenchmarkDb(persist.dbName) : null;
      try {
        return await runCases(
          loaded,
          new Map(request.pairs.map((p) => [p.id, p])),
          request.plan,
          platform.imageLoader(request.images),
          {
            mode: request.mode,
            imageCondition: request.imageCondition ?? 'real',
            ...(request.preprocessing ? { preprocessing: request.preprocessing } : {}),
            isCancelled: () => cancelRequested || platform.deviceLost() !== null,
            onRecord: async (record) => {
              if (db && persist) {
                await putCase(db, {
                  key: caseKeyOf(persist.runId, persist.promptHashes, record),
                  runId: persist.runId,
                  ...record,
                  computedAt: Date.now(),
                });
              }
              callbacks.onRecord?.(record);
            },
            ...(db && persist
              ? {
                  onImageEmbedding: async (localId, embedding) => {
                    await putImageEmbedding(db, persist.runId, localId, embedding);
                  },
                }
              : {}),
            ...(callbacks.onProgress ? { onProgress: (p) => callbacks.onProgress!(p) } : {}),
            ...(callbacks.onImageProblem ? { onImageProblem: (p) => callbacks.onImageProblem!(p) } : {}),
          },
          new Scorer(loaded, newCounters(), freeFormOptions(request.freeForm), request.letterRule),
        );
      } catch (e) {
        failure(e);
      } finally {
        db?.close();
      }
    },

    async measureFloor(request) {
      if (!loaded) failure(new EngineError('internal', 'No model loaded'));
      try {
        return await measureFloor(
          loaded,
          new Map(request.pairs.map((p) => [p.id, p])),
          request.plan,
          platform.imageLoader(request.images),
          request.preprocessing,
          request.freeForm?.maxNewTokens,
        );
      } catch (e) {
        failure(e);
      }
    },

    cancel() {
      cancelRequested = true;
    },

    async dispose() {
      if (judge) await judge.model.dispose();
      judge = null;
      if (loaded) await loaded.model.dispose();
      loaded = null;
    },
  };
}
