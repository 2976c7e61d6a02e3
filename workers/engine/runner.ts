// Runs a plan's cases (core/run/plan: grouped by image) through a Scorer, so each image is
// decoded, preprocessed and prefilled once. Owns progress reporting, cancellation between forward
// passes, the handling of missing or unreadable images (their cases are reported as not run, never
// as wrong), and the scoring mode actually used: a family that cannot reuse the prefix, or whose
// self-check on the first image disagrees with full recomputation, is recomputed in full. Applies
// the run's image preprocessing for the run's length and reports it with the image tokens and
// views measured per image, and hands on each real image's embedding (the model's own view of it,
// read from the encode the image's scoring already did; none for the blank image).
import type { RawImage } from '@huggingface/transformers';
import type { ImageEmbedding } from '../../src/core/run/records.ts';
import type { CaseRecord, ConfusionPair } from '../../src/core/types.ts';
import { cacheCheckVerdict } from '../../src/core/run/cacheCheck.ts';
import { BLANK_IMAGE_ID, plannedCases, type ImageGroup } from '../../src/core/run/plan.ts';
import {
  newCounters,
  type ImageCondition,
  type RunProgress,
  type ScoringMode,
  type ScoringReport,
} from '../../src/core/run/vocabulary.ts';
import type { LoadedModel } from './loadModel.ts';
import { Scorer, type ImageWork, type ScoredImage } from './scorer.ts';
import { blankImageFor } from './blankImage.ts';
import { EngineError } from './errors.ts';
import { applyPreprocessing } from './preprocessing.ts';
import type { ImageProblem, RunOutcome } from './protocol.ts';
import {
  sameSettings,
  type ImageViewCount,
  type PreprocessingChoice,
} from '../../src/core/run/preprocessing.ts';

/** Returns the decoded image, null when the file is absent; throws when it exists but cannot be read. */
export type ImageLoader = (localId: string) => Promise<RawImage | null>;

export interface RunOptions {
  mode: ScoringMode;
  /** 'blank': every case sees one uniform mid-grey image instead of its own (the blind baseline). */
  imageCondition?: ImageCondition;
  /** 'single-view': image splitting off for this run; default: the model's own preprocessing. */
  preprocessing?: PreprocessingChoice;
  onRecord(record: CaseRecord): Promise<void> | void;
  onProgress?(progress: RunProgress): void;
  onImageProblem?(problem: ImageProblem): void;
  /** Each real image's embedding, once its scoring encoded it (awaited, like onRecord). */
  onImageEmbedding?(localId: string, embedding: ImageEmbedding): Promise<void> | void;
  isCancelled?(): boolean;
}

/** The image group's work with the pairs resolved. */
export function imageWork(
  group: ImageGroup,
  pairs: ReadonlyMap<string, ConfusionPair>,
  image: RawImage,
): ImageWork {
  return {
    image,
    cases: group.cases.map((c) => {
      const pair = pairs.get(c.pairId);
      if (!pair) throw new EngineError('internal', `Unknown pair ${c.pairId}`);
      return { pair, slot: c.slot, methods: c.methods };
    }),
  };
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

/** The scoring mode a run starts in, before any self-check: the family decides. */
export function initialScoring(lm: LoadedModel, requested: ScoringMode): ScoringReport {
  if (requested === 'cached' && lm.family.prefixCache === 'off') {
    return {
      modeRequested: requested,
      modeUsed: 'full',
      modeReason: `${lm.family.label} prompts cannot continue from a cached image prefix; every prompt is recomputed in full`,
    };
  }
  return { modeRequested: requested, modeUsed: requested };
}

export async function runCases(
  lm: LoadedModel,
  pairs: ReadonlyMap<string, ConfusionPair>,
  plan: readonly ImageGroup[],
  loadImage: ImageLoader,
  opts: RunOptions,
  scorer: Scorer = new Scorer(lm, newCounters()),
): Promise<RunOutcome> {
  const started = performance.now();
  const blank = opts.imageCondition === 'blank';
  // With the blank image every case shares one image, hence one group and one prefix.
  const groups: readonly ImageGroup[] = blank
    ? [{ localId: BLANK_IMAGE_ID, cases: plan.flatMap((g) => g.cases) }]
    : plan;
  if (blank) loadImage = async () => blankImageFor(lm);
  const total = plannedCases(plan).length;
  const notRun: ImageProblem[] = [];
  const imageViews: Record<string, ImageViewCount> = {};
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
  const scoring = initialScoring(lm, opts.mode);
  const needsCheck = lm.family.prefixCache === 'self-check';
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
  const imageProblem = (problem: ImageProblem) => {
    notRun.push(problem);
    opts.onImageProblem?.(problem);
  };

  const choice = opts.preprocessing ?? 'default';
  const restorePreprocessing = applyPreprocessing(lm, choice);
  const settings = lm.adapter.preprocessing(lm);
  const preprocessing = {
    choice,
    settings,
    modelDefault: sameSettings(settings, lm.info.preprocessing?.default ?? settings),
  };
  let embeddingsKept = 0;
  const measured = async (localId: string, scored: ScoredImage) => {
    const count = scored.views;
    if (count) imageViews[localId] = { tokens: count.tokens, crops: count.crops };
    // The blank image is the same for every case: its embedding says nothing about a pair.
    if (scored.embedding && !blank && opts.onImageEmbedding) {
      await opts.onImageEmbedding(localId, scored.embedding);
      embeddingsKept++;
    }
  };

  try {
    for (const group of groups) {
      await checkpoint();
      const { localId } = group;
      const cases = plannedCases([group]);
      let image: RawImage | null;
      try {
        image = await loadImage(localId);
      } catch (e) {
        imageProblem({
          localId,
          reason: 'unreadable',
          message: `Image ${localId} could not be decoded: ${(e as Error).message}`,
          cases,
        });
        continue;
      }
      if (!image) {
        imageProblem({ localId, reason: 'missing', message: `Image ${localId} is missing`, cases });
        continue;
      }
      const work = imageWork(group, pairs, image);
      if (scoring.modeUsed === 'cached' && needsCheck && !scoring.cacheCheck) {
        // Score the first image the reference way (those are the stored results), then cached,
        // and keep the cache only if both agree.
        const reference: CaseRecord[] = [];
        const cachedRecords: CaseRecord[] = [];
        const scored = await scorer.scoreImage(work, 'full', {
          checkpoint,
          onRecord: (r) => void reference.push(r),
        });
        await scorer.scoreImage(work, 'cached', { checkpoint, onRecord: (r) => void cachedRecords.push(r) });
        // The tolerance is the dtype's (core/run/cacheCheck): fp16, 4- and 8-bit numerics differ
        // between the two ways more than float32's.
        const v = cacheCheckVerdict(cachedRecords, reference, lm.info.dtype);
        scoring.cacheCheck = {
          passed: v.passed,
          maxProbDiff: v.maxProbDiff,
          cases: v.cases,
          tolerance: v.tolerance,
          toleranceDtype: v.toleranceDtype,
          exactDecisions: v.exactDecisions,
        };
        if (!v.passed) {
          scoring.modeUsed = 'full';
          scoring.modeReason = `the prefix cache disagreed with full recomputation on the first image (max |Δp| ${v.maxProbDiff.toExponential(1)}, tolerance ${v.tolerance} for ${v.toleranceDtype}, ${v.answerMismatches.length} different answers); every prompt is recomputed in full`;
        }
        for (const record of reference) await emit(record);
        await measured(localId, scored);
        continue;
      }
      await measured(
        localId,
        await scorer.scoreImage(work, scoring.modeUsed, { checkpoint, onRecord: emit }),
      );
    }
  } catch (e) {
    if (e instanceof EngineError && e.kind === 'cancelled') cancelled = true;
    else throw e;
  } finally {
    restorePreprocessing();
  }
  return {
    done,
    total,
    notRun,
    cancelled,
    elapsedMs: performance.now() - started,
    counters: { ...scorer.counters },
    ...scoring,
    preprocessing,
    imageViews,
    imageEmbeddings: embeddingsKept,
  };
}
