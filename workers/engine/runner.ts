// Runs a list of cases through a Scorer, grouped by image so each image is decoded, preprocessed
// and prefilled once. Owns progress reporting, cancellation between forward passes and the
// handling of missing or unreadable images (their cases are reported as not run, never as wrong).
import type { RawImage } from '@huggingface/transformers';
import type { CaseRecord, ConfusionPair, ImageSlot, Method } from '../../src/core/types.ts';
import { compareCaseRecords, recordsAgree } from '../../src/core/recordComparison.ts';
import type { LoadedModel } from './loadModel.ts';
import { newCounters, Scorer, type ImageWork } from './scorer.ts';
import { blankImageFor, BLANK_IMAGE_ID } from './blankImage.ts';
import {
  EngineError,
  type CaseRequest,
  type ImageCondition,
  type RunProgress,
  type ScoringMode,
  type WorkCounters,
} from './types.ts';

/** Returns the decoded image, null when the file is absent; throws when it exists but cannot be read. */
export type ImageLoader = (localId: string) => Promise<RawImage | null>;

export interface ImageProblem {
  localId: string;
  reason: 'missing' | 'unreadable';
  message: string;
  cases: CaseRequest[];
}

export interface RunOptions {
  mode: ScoringMode;
  /** 'blank': every case sees one uniform mid-grey image instead of its own (the blind baseline). */
  imageCondition?: ImageCondition;
  onRecord(record: CaseRecord): Promise<void> | void;
  onProgress?(progress: RunProgress): void;
  onImageProblem?(problem: ImageProblem): void;
  isCancelled?(): boolean;
}

export interface RunSummary {
  done: number;
  total: number;
  notRun: ImageProblem[];
  cancelled: boolean;
  elapsedMs: number;
  counters: WorkCounters;
  /** The strategy actually used, and why when it differs from the one asked for. */
  modeUsed: ScoringMode;
  modeReason?: string;
  /** For families whose prefix cache is not proven: the first image scored both ways. */
  cacheCheck?: { passed: boolean; maxProbDiff: number; cases: number };
}

/** Cached and full scoring must agree this closely for the cache to be trusted. */
export const CACHE_CHECK_TOLERANCE = 1e-4;

export function localIdOf(pair: ConfusionPair, slot: ImageSlot): string {
  return slot === 1 ? pair.im1Local : pair.im2Local;
}

/** Cases grouped by the image they show, in order of first appearance; methods kept in request order. */
export function groupByImage(
  requests: readonly CaseRequest[],
  pairs: ReadonlyMap<string, ConfusionPair>,
): Map<string, { pair: ConfusionPair; slot: ImageSlot; methods: Method[] }[]> {
  const groups = new Map<string, { pair: ConfusionPair; slot: ImageSlot; methods: Method[] }[]>();
  for (const r of requests) {
    const pair = pairs.get(r.pairId);
    if (!pair) throw new EngineError('internal', `Unknown pair ${r.pairId}`);
    const localId = localIdOf(pair, r.slot);
    let group = groups.get(localId);
    if (!group) groups.set(localId, (group = []));
    let entry = group.find((g) => g.pair.id === r.pairId && g.slot === r.slot);
    if (!entry) group.push((entry = { pair, slot: r.slot, methods: [] }));
    if (!entry.methods.includes(r.method)) entry.methods.push(r.method);
  }
  return groups;
}

/** Lets queued messages (a cancel request) reach the worker; setTimeout's ≥1 ms clamp is too slow. */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Yield at most this often: a yield per decoded token would cost more than the token on small models. */
const YIELD_INTERVAL_MS = 8;

export async function runCases(
  lm: LoadedModel,
  pairs: ReadonlyMap<string, ConfusionPair>,
  requests: readonly CaseRequest[],
  loadImage: ImageLoader,
  opts: RunOptions,
  scorer: Scorer = new Scorer(lm, newCounters()),
): Promise<RunSummary> {
  const started = performance.now();
  const blank = opts.imageCondition === 'blank';
  // With the blank image every case shares one image, hence one group and one prefix.
  const groups = blank
    ? new Map([[BLANK_IMAGE_ID, [...groupByImage(requests, pairs).values()].flat()]])
    : groupByImage(requests, pairs);
  if (blank) loadImage = async () => blankImageFor(lm);
  const total = requests.length;
  const notRun: ImageProblem[] = [];
  let done = 0;
  let cancelled = false;
  const isCancelled = opts.isCancelled ?? (() => false);

  let lastYield = performance.now();
  const checkpoint = async () => {
    if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    if (isCancelled()) throw new EngineError('cancelled', 'Run cancelled');
  };

  // Families whose cache reuse is not proven get a self-check; some never reuse it.
  let mode: ScoringMode = opts.mode;
  let modeReason: string | undefined;
  if (mode === 'cached' && lm.family.prefixCache === 'off') {
    mode = 'full';
    modeReason = `${lm.family.label} prompts cannot continue from a cached image prefix; every prompt is recomputed in full`;
  }
  const needsCheck = lm.family.prefixCache === 'self-check';
  let cacheCheck: RunSummary['cacheCheck'];
  const emit = async (record: CaseRecord) => {
    await opts.onRecord(record);
    done++;
    opts.onProgress?.({
      done,
      total,
      pairId: record.pairId,
      slot: record.slot,
      elapsedMs: performance.now() - started,
      counters: { ...scorer.counters },
    });
  };

  try {
    for (const [localId, cases] of groups) {
      await checkpoint();
      const caseRequests = cases.flatMap((c) =>
        c.methods.map((method) => ({ pairId: c.pair.id, slot: c.slot, method })),
      );
      let image: RawImage | null;
      try {
        image = await loadImage(localId);
      } catch (e) {
        const problem: ImageProblem = {
          localId,
          reason: 'unreadable',
          message: `Image ${localId} could not be decoded: ${(e as Error).message}`,
          cases: caseRequests,
        };
        notRun.push(problem);
        opts.onImageProblem?.(problem);
        continue;
      }
      if (!image) {
        const problem: ImageProblem = {
          localId,
          reason: 'missing',
          message: `Image ${localId} is missing`,
          cases: caseRequests,
        };
        notRun.push(problem);
        opts.onImageProblem?.(problem);
        continue;
      }
      const work: ImageWork = { image, cases };
      if (mode === 'cached' && needsCheck && !cacheCheck) {
        // Score the first image the reference way (those are the stored results), then cached,
        // and keep the cache only if both agree.
        const reference: CaseRecord[] = [];
        const cachedRecords: CaseRecord[] = [];
        await scorer.scoreImage(work, 'full', { checkpoint, onRecord: (r) => void reference.push(r) });
        await scorer.scoreImage(work, 'cached', { checkpoint, onRecord: (r) => void cachedRecords.push(r) });
        const c = compareCaseRecords(cachedRecords, reference);
        cacheCheck = {
          passed: recordsAgree(c, CACHE_CHECK_TOLERANCE),
          maxProbDiff: c.maxProbDiff,
          cases: c.compared,
        };
        if (!cacheCheck.passed) {
          mode = 'full';
          modeReason = `the prefix cache disagreed with full recomputation on the first image (max |Δp| ${c.maxProbDiff.toExponential(1)}, ${c.answerMismatches.length} different answers); every prompt is recomputed in full`;
        }
        for (const record of reference) await emit(record);
        continue;
      }
      await scorer.scoreImage(work, mode, { checkpoint, onRecord: emit });
    }
  } catch (e) {
    if (e instanceof EngineError && e.kind === 'cancelled') cancelled = true;
    else throw e;
  }
  return {
    done,
    total,
    notRun,
    cancelled,
    elapsedMs: performance.now() - started,
    counters: { ...scorer.counters },
    modeUsed: mode,
    ...(modeReason ? { modeReason } : {}),
    ...(cacheCheck ? { cacheCheck } : {}),
  };
}
