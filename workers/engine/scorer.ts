// Scoring one image's cases from raw logits, in one of two strategies over the same prompts:
//  - cached: the image prefix (chat header + image tokens) is prefilled once per image and its
//    key/value cache reused by every question and method;
//  - full: the official code's way, one full forward (image encoded again) per prompt and per
//    PS option. It is the reference the cached path must equal.
// What each method does lives in methods/ (gd, ps, generation), each with both forms side by side.
// Each image's image tokens and views are measured once, from a processor output of its prompts,
// and its embedding (engine/imageEmbedding.ts) is read from the first encoder call made for it.
import type { Processor, RawImage, Tensor } from '@huggingface/transformers';
import { DEFAULT_LETTER_RULE, type LetterRule } from '../../src/core/run/letterRules.ts';
import type { ScoringMode, WorkCounters } from '../../src/core/run/vocabulary.ts';
import { newCounters } from '../../src/core/run/vocabulary.ts';
import type { ImageEmbedding } from '../../src/core/run/records.ts';
import type { ConfusionPair, ImageSlot, Method } from '../../src/core/types.ts';
import { classifyError, EngineError } from './errors.ts';
import type { ImageTokenCount } from './families/adapter.ts';
import { commonPrefixLength, pickImageInputs } from './forward.ts';
import { embeddingOfFeatures } from './imageEmbedding.ts';
import type { LoadedModel } from './loadModel.ts';
import {
  MethodContext,
  type FreeFormOptions,
  type MethodScorer,
  type PlannedCase,
  type ScoreHooks,
  type Tokenize,
} from './methods/context.ts';
import { ff, mc } from './methods/generation.ts';
import { gd } from './methods/gd.ts';
import { ps } from './methods/ps.ts';

export type { FreeFormJudge, FreeFormOptions, ScoreHooks } from './methods/context.ts';

const METHOD_SCORERS: Readonly<Record<Method, MethodScorer>> = { GD: gd, PS: ps, MC: mc, FF: ff };

/** One image's worth of work: every (pair, slot) that shows this image, with the methods to run. */
export interface ImageWork {
  image: RawImage;
  cases: { pair: ConfusionPair; slot: ImageSlot; methods: Method[] }[];
}

/** What scoring one image measured besides its records. */
export interface ScoredImage {
  /** Image tokens and views (null when nothing was processed). */
  views: ImageTokenCount | null;
  /** The model's own embedding of the image, from the first encoder call for it (null: none ran). */
  embedding: ImageEmbedding | null;
}

/** An image's planned cases and the prefix (chat header + image block) they share. */
export interface ImagePlan {
  planned: PlannedCase[];
  prefixLength: number;
  imageInputs: Record<string, Tensor>;
}

export class Scorer {
  /** The current image's embedding, taken from the first encoder call while it is scored. */
  private embedding: ImageEmbedding | null = null;
  private scoring = false;

  constructor(
    private readonly lm: LoadedModel,
    readonly counters: WorkCounters = newCounters(),
    private readonly freeForm: FreeFormOptions = {},
    /** Which tokens GD reads as the letters; every GD case stores the logits of all spellings anyway. */
    private readonly letterRule: LetterRule = DEFAULT_LETTER_RULE,
  ) {
    countVisionEncoderRuns(lm, this.counters, (inputs, features) => {
      if (!this.scoring || this.embedding) return;
      const started = performance.now();
      this.embedding = embeddingOfFeatures(lm.adapter, inputs, features);
      this.counters.imageEmbeddingMs += performance.now() - started;
    });
  }

  /** Scores the image's cases; returns its image tokens and views and the model's embedding of it. */
  async scoreImage(work: ImageWork, mode: ScoringMode, hooks: ScoreHooks): Promise<ScoredImage> {
    let count: ImageTokenCount | null = null;
    this.embedding = null;
    this.scoring = true;
    const ctx = new MethodContext(
      this.lm,
      this.counters,
      this.freeForm,
      {
        ...hooks,
        onProcessed: (inputs) => {
          count ??= this.imageTokens(inputs);
          hooks.onProcessed?.(inputs);
        },
      },
      this.letterRule,
    );
    try {
      if (mode === 'full') await this.scoreImageFull(ctx, work);
      else await this.scoreImageCached(ctx, work);
    } catch (e) {
      throw classifyError(e);
    } finally {
      this.scoring = false;
    }
    return { views: count, embedding: this.embedding };
  }

  /** Image tokens and views of one processor output (the family adapter counts them). */
  private imageTokens(inputs: Record<string, Tensor>): ImageTokenCount {
    const ids = inputs.input_ids;
    const list = ids ? Array.from(ids.data as ArrayLike<number | bigint>, Number) : [];
    return this.lm.adapter.imageTokens(this.lm, inputs, list);
  }

  /**
   * The fewest tokens any engine must prefill for this image's cases: the image prefix once, each
   * prompt's text after it once, and each PS option once after the shared question (but its last
   * token, which is only scored).
   */
  async minimumPrefillTokens(work: ImageWork): Promise<number> {
    const plan = await this.plan(work);
    return plan ? minimumPrefillOf(plan) : 0;
  }

  /** The image's planned cases and their shared prefix, without scoring (the bench's floor). */
  async plan(work: ImageWork): Promise<ImagePlan | null> {
    const ctx = new MethodContext(
      this.lm,
      this.counters,
      this.freeForm,
      { onRecord: () => undefined, checkpoint: async () => undefined },
      this.letterRule,
    );
    return this.planImage(ctx, work);
  }

  // ---------------------------------------------------------------- cached strategy

  /**
   * A processor call whose image preprocessing runs once per image however many prompts use it.
   * The image processor is wrapped, not replaced: processors read its config (Qwen2-VL's
   * merge_size), so every property but the call falls through to the real one.
   */
  private memoizedProcessor(image: RawImage): Tokenize {
    const processor = this.lm.processor as unknown as { image_processor: object };
    const real = processor.image_processor as (images: unknown, ...rest: unknown[]) => Promise<unknown>;
    let imageInputs: Promise<unknown> | null = null;
    const memoized = new Proxy(real, {
      apply: (target, thisArg, args: unknown[]) => {
        if (!imageInputs) {
          this.counters.imagesPreprocessed++;
          imageInputs = Reflect.apply(target, thisArg, args) as Promise<unknown>;
        }
        return imageInputs;
      },
    });
    const view = Object.create(processor) as typeof processor;
    // image_processor is a getter on Processor: shadow it on the view, not by assignment.
    Object.defineProperty(view, 'image_processor', { value: memoized });
    // The view must stay callable the way the processor is (Callable: calling it runs _call).
    const call = (...args: unknown[]) =>
      (processor as unknown as { _call: (...a: unknown[]) => Promise<Record<string, Tensor>> })._call.apply(
        view,
        args,
      );
    const callable = Object.setPrototypeOf(call, view) as unknown as Processor;
    return async (text: string) => this.lm.adapter.process(callable, text, image);
  }

  /** Token ids of every prompt of one image (cheap: the image is preprocessed once) and the shared prefix. */
  private async planImage(ctx: MethodContext, work: ImageWork): Promise<ImagePlan | null> {
    const tokenize = this.memoizedProcessor(work.image);
    const planned: PlannedCase[] = [];
    let imageInputs: Record<string, Tensor> | null = null;
    const firstCall: Tokenize = async (text) => {
      const enc = await tokenize(text);
      if (!imageInputs) ctx.hooks.onProcessed?.(enc);
      imageInputs ??= enc;
      return enc;
    };
    for (const c of work.cases) {
      for (const method of c.methods) {
        planned.push(await METHOD_SCORERS[method].plan(ctx, firstCall, c.pair, c.slot));
      }
    }
    if (planned.length === 0 || !imageInputs) return null;
    const prefixLength = this.imagePrefixLength(planned.flatMap((p) => METHOD_SCORERS[p.method].prompts(p)));
    return { planned, prefixLength, imageInputs };
  }

  private async scoreImageCached(ctx: MethodContext, work: ImageWork): Promise<void> {
    const plan = await this.planImage(ctx, work);
    if (!plan) return;
    const { planned, prefixLength, imageInputs } = plan;
    const prefixIds = planned[0]!.ids.slice(0, prefixLength);
    const prefix = await ctx.decoder.forward(prefixIds, null, 0, {
      keep: 'last',
      extra: pickImageInputs(imageInputs),
    });
    await ctx.hooks.checkpoint();
    try {
      for (const p of planned) {
        const record = await METHOD_SCORERS[p.method].cached(ctx, p, {
          cache: prefix.cache,
          length: prefixLength,
        });
        await ctx.hooks.onRecord(record);
      }
    } finally {
      await prefix.cache.dispose();
    }
  }

  /** End of the image block: every prompt of this image must share these tokens. */
  private imagePrefixLength(all: number[][]): number {
    const first = all[0]!;
    let end = this.lm.adapter.imageBlockEnd(this.lm, first);
    for (const ids of all) end = Math.min(end, commonPrefixLength(first, ids));
    if (end <= first.lastIndexOf(this.lm.imageTokenId)) {
      throw new EngineError(
        'internal',
        'Prompts of one image do not share the image tokens; cannot reuse its cache',
      );
    }
    return end;
  }

  // ---------------------------------------------------------------- full recomputation (reference)

  private async scoreImageFull(ctx: MethodContext, work: ImageWork): Promise<void> {
    for (const c of work.cases) {
      for (const method of c.methods) {
        const record = await METHOD_SCORERS[method].full(ctx, c.pair, c.slot, work.image);
        await ctx.hooks.checkpoint();
        await ctx.hooks.onRecord(record);
      }
    }
  }
}

// ---------------------------------------------------------------- helpers

/** The fewest tokens any engine must prefill for a planned image (Scorer.minimumPrefillTokens). */
export function minimumPrefillOf(plan: ImagePlan): number {
  let total = plan.prefixLength;
  for (const p of plan.planned) total += METHOD_SCORERS[p.method].minimumPrefill(p, plan.prefixLength);
  return total;
}

const counted = new WeakSet<object>();

type EncoderOutputHook = (inputs: Record<string, Tensor>, features: Tensor) => void;

/**
 * Counts every vision-encoder call of the model, the crops it encoded (the family adapter reads
 * them from the call's inputs and output) and the time spent in it, into the newest counters, and
 * shows the newest scorer each call's output (its image embedding is read from it).
 */
function countVisionEncoderRuns(lm: LoadedModel, counters: WorkCounters, onOutput: EncoderOutputHook) {
  type Encoding = { encode_image: (inputs: Record<string, Tensor>) => Promise<Tensor> };
  const model = lm.model as unknown as Encoding & { __counters: WorkCounters; __onOutput: EncoderOutputHook };
  // Re-points an existing wrapper at the newest counters and scorer.
  model.__counters = counters;
  model.__onOutput = onOutput;
  if (counted.has(model)) return;
  const original = model.encode_image.bind(model);
  model.encode_image = async (inputs) => {
    const started = performance.now();
    const features = await original(inputs);
    const c = model.__counters;
    c.visionEncoderRuns++;
    c.cropsEncoded += lm.adapter.cropsEncoded(inputs, features);
    c.visionEncoderMs += performance.now() - started;
    model.__onOutput(inputs, features);
    return features;
  };
  counted.add(model);
}
