// Scoring from raw logits. Two strategies over the same model and prompts:
//  - cached: the image prefix (chat header + image tokens) is prefilled once per image and its
//    key/value cache reused by every question and method; PS prefills the question once and
//    scores both options from that cache; MC decodes greedily on top of the cache.
//  - full: the official code's way, one full forward (image encoded again) per prompt and per
//    PS option, and generate() for MC. It is the reference the cached path must equal.
import { DynamicCache, Tensor, type RawImage } from '@huggingface/transformers';
import {
  greedyAnswer,
  logSoftmaxAt,
  parseMcAnswer,
  prefixAnswer,
  prefixScore,
} from '../../src/core/answers.ts';
import { buildConversation } from '../../src/core/prompts.ts';
import type { Answer, CaseRecord, ConfusionPair, ImageSlot, Letter, Method } from '../../src/core/types.ts';
import { classifyError, type LoadedModel } from './loadModel.ts';
import { EngineError, type ScoringMode, type WorkCounters } from './types.ts';

export const MC_MAX_NEW_TOKENS = 32;
/** FF answers are free text; 64 new tokens by default (configurable). */
export const FF_MAX_NEW_TOKENS = 64;

/** Turns a free-form answer into a letter (or invalid), keeping the judge's raw text and scores. */
export type FreeFormJudge = (
  pair: ConfusionPair,
  answerText: string,
) => Promise<{ rawText: string; scores: { A: number; B: number } | null; answer: Answer }>;

export interface FreeFormOptions {
  judge?: FreeFormJudge;
  maxNewTokens?: number;
}

/** One image's worth of work: every (pair, slot) that shows this image, with the methods to run. */
export interface ImageWork {
  image: RawImage;
  cases: { pair: ConfusionPair; slot: ImageSlot; methods: Method[] }[];
}

export interface ScoreHooks {
  /** Called for every finished case, in order; awaited so the caller can persist it first. */
  onRecord(record: CaseRecord): Promise<void> | void;
  /** Throws EngineError('cancelled') when the caller asked to stop. Checked after every forward. */
  checkpoint(): Promise<void>;
}

type Cache = InstanceType<typeof DynamicCache>;

interface TokenSpan {
  start: number;
  end: number;
}

/** One case's prompt token ids (and, for PS, both full conversations with their option spans). */
interface PlannedCase {
  pair: ConfusionPair;
  slot: ImageSlot;
  method: Method;
  ids: number[];
  ps?: { fullA: number[]; fullB: number[]; spanA: TokenSpan; spanB: TokenSpan };
}

interface ImagePlan {
  planned: PlannedCase[];
  prefixLength: number;
  imageInputs: Record<string, Tensor>;
}

interface ForwardResult {
  cache: Cache;
  /** Logits row for the token at `index` of this call's input (predicting the next token). */
  row(index: number): Float32Array;
  lastRow(): Float32Array;
}

export function newCounters(): WorkCounters {
  return {
    visionEncoderRuns: 0,
    decoderCalls: 0,
    tokensPrefilled: 0,
    tokensDecoded: 0,
    imagesPreprocessed: 0,
  };
}

export class Scorer {
  private readonly vocab: number;
  private readonly keepsLogits: boolean;

  constructor(
    private readonly lm: LoadedModel,
    readonly counters: WorkCounters = newCounters(),
    private readonly freeForm: FreeFormOptions = {},
  ) {
    this.vocab = lm.info.vocabSize;
    const sessions = (lm.model as unknown as { sessions: Record<string, { inputNames: string[] }> }).sessions;
    this.keepsLogits = Boolean(sessions['decoder_model_merged']?.inputNames.includes('num_logits_to_keep'));
    countVisionEncoderRuns(lm, this.counters);
  }

  async scoreImage(work: ImageWork, mode: ScoringMode, hooks: ScoreHooks): Promise<void> {
    try {
      if (mode === 'full') await this.scoreImageFull(work, hooks);
      else await this.scoreImageCached(work, hooks);
    } catch (e) {
      throw classifyError(e);
    }
  }

  // ---------------------------------------------------------------- prompts and tokens

  private chatText(method: Method, pair: ConfusionPair, option?: Letter): string {
    const messages = buildConversation(method, pair, this.lm.family, option);
    return this.lm.processor.apply_chat_template(messages as never, {
      add_generation_prompt: option === undefined,
    }) as unknown as string;
  }

  /** A processor call whose image preprocessing runs once per image however many prompts use it. */
  private memoizedProcessor(image: RawImage) {
    const processor = this.lm.processor as unknown as {
      image_processor: (images: unknown, options: unknown) => Promise<unknown>;
      _call: (text: string, images: unknown) => Promise<Record<string, Tensor>>;
    };
    let imageInputs: Promise<unknown> | null = null;
    const view = Object.create(processor) as typeof processor;
    // image_processor is a getter on Processor: shadow it on the view, not by assignment.
    const memoized = (images: unknown, options: unknown) => {
      if (!imageInputs) {
        this.counters.imagesPreprocessed++;
        imageInputs = processor.image_processor(images, options);
      }
      return imageInputs;
    };
    Object.defineProperty(view, 'image_processor', { value: memoized });
    return async (text: string) => view._call.call(view, text, image);
  }

  private async freshProcessor(text: string, image: RawImage): Promise<Record<string, Tensor>> {
    this.counters.imagesPreprocessed++;
    const call = this.lm.processor as unknown as (t: string, i: RawImage) => Promise<Record<string, Tensor>>;
    return call(text, image);
  }

  /** Where the option's own tokens lie: after the prompt-only prefix, before end-of-turn tokens. */
  private optionSpan(promptOnly: number[], full: number[]): { start: number; end: number } {
    const start = commonPrefixLength(promptOnly, full);
    let end = full.length;
    const tokenizer = this.lm.processor.tokenizer!;
    while (end > start) {
      const id = full[end - 1]!;
      const isWhitespace = tokenizer.decode([id], { skip_special_tokens: false }).trim() === '';
      if (this.lm.specialIds.has(id) || this.lm.endOfTurnIds.has(id) || isWhitespace) end--;
      else break;
    }
    if (end <= start)
      throw new EngineError('internal', 'The option has no tokens of its own in the chat template');
    return { start, end };
  }

  // ---------------------------------------------------------------- forward passes

  private async forward(
    ids: number[],
    past: Cache | null,
    pastLength: number,
    keep: 'last' | 'all',
    extra: Record<string, Tensor> = {},
    decoding = false,
  ): Promise<ForwardResult> {
    const n = ids.length;
    const inputs: Record<string, unknown> = {
      input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
      attention_mask: new Tensor('int64', new BigInt64Array(pastLength + n).fill(1n), [1, pastLength + n]),
      ...extra,
    };
    if (past) inputs.past_key_values = past;
    if (this.keepsLogits) {
      inputs.num_logits_to_keep = new Tensor('int64', BigInt64Array.of(keep === 'last' ? 1n : 0n), []);
    }
    this.counters.decoderCalls++;
    if (decoding) this.counters.tokensDecoded += n;
    else this.counters.tokensPrefilled += n;
    const out = (await (this.lm.model as unknown as (x: unknown) => Promise<Record<string, Tensor>>)(
      inputs,
    )) as Record<string, Tensor>;
    const logits = out.logits!;
    const rows = logits.dims[1]!;
    const data = toFloat32(logits);
    const vocab = logits.dims[2]!;
    const firstRow = n - rows; // rows returned correspond to the last `rows` inputs
    const entries: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(out)) {
      if (k.startsWith('present')) entries[`past_key_values${k.slice('present'.length)}`] = v;
    }
    const row = (index: number) => {
      const r = index - firstRow;
      if (r < 0 || r >= rows) throw new EngineError('internal', `logits row ${index} was not computed`);
      return data.subarray(r * vocab, (r + 1) * vocab);
    };
    return { cache: new DynamicCache(entries), row, lastRow: () => row(n - 1) };
  }

  private letterAnswer(row: Float32Array) {
    const { A, B } = this.lm.letterTokenIds;
    return greedyAnswer(row[A]!, row[B]!);
  }

  private optionLogProbs(
    span: { start: number; end: number },
    full: number[],
    rowAt: (pos: number) => Float32Array,
  ) {
    const out: number[] = [];
    for (let t = span.start; t < span.end; t++)
      out.push(logSoftmaxAt(rowAt(t - 1), full[t]!, 0, this.vocabOf(rowAt(t - 1))));
    return out;
  }

  private vocabOf(row: Float32Array): number {
    return this.vocab > 0 ? Math.min(this.vocab, row.length) : row.length;
  }

  private decodeText(ids: number[]): string {
    if (ids.length === 0) return ''; // the model ended its turn at once
    return this.lm.processor.tokenizer!.decode(ids, { skip_special_tokens: true });
  }

  // ---------------------------------------------------------------- cached strategy

  /** Token ids of every prompt of one image (cheap: the image is preprocessed once) and the shared prefix. */
  private async planImage(work: ImageWork): Promise<ImagePlan | null> {
    const tokenize = this.memoizedProcessor(work.image);
    const planned: PlannedCase[] = [];
    let imageInputs: Record<string, Tensor> | null = null;
    for (const c of work.cases) {
      for (const method of c.methods) {
        const enc = await tokenize(this.chatText(method, c.pair));
        imageInputs ??= enc;
        const ids = idsOf(enc);
        if (method === 'PS') {
          const fullA = idsOf(await tokenize(this.chatText('PS', c.pair, 'A')));
          const fullB = idsOf(await tokenize(this.chatText('PS', c.pair, 'B')));
          planned.push({
            ...c,
            method,
            ids,
            ps: { fullA, fullB, spanA: this.optionSpan(ids, fullA), spanB: this.optionSpan(ids, fullB) },
          });
        } else planned.push({ ...c, method, ids });
      }
    }
    if (planned.length === 0 || !imageInputs) return null;
    const prefixLength = this.imagePrefixLength(
      planned.flatMap((p) => (p.ps ? [p.ids, p.ps.fullA, p.ps.fullB] : [p.ids])),
    );
    return { planned, prefixLength, imageInputs };
  }

  /**
   * The fewest tokens any engine must prefill for this image's cases: the image prefix once, each
   * prompt's text after it once, and each PS option once (after the shared question).
   */
  async minimumPrefillTokens(work: ImageWork): Promise<number> {
    const plan = await this.planImage(work);
    if (!plan) return 0;
    let total = plan.prefixLength;
    for (const p of plan.planned) {
      if (p.ps) {
        const q = Math.min(p.ps.spanA.start, p.ps.spanB.start);
        total += q - plan.prefixLength + (p.ps.spanA.end - q) + (p.ps.spanB.end - q);
      } else total += p.ids.length - plan.prefixLength;
    }
    return total;
  }

  private async scoreImageCached(work: ImageWork, hooks: ScoreHooks): Promise<void> {
    const plan = await this.planImage(work);
    if (!plan) return;
    const { planned, prefixLength, imageInputs } = plan;
    const prefixIds = planned[0]!.ids.slice(0, prefixLength);
    const pixelInputs = pickImageInputs(imageInputs);
    const prefix = await this.forward(prefixIds, null, 0, 'last', pixelInputs);
    await hooks.checkpoint();

    try {
      for (const p of planned) {
        const record = await this.scoreFromPrefix(p, prefix.cache, prefixLength, hooks);
        await hooks.onRecord(record);
      }
    } finally {
      await prefix.cache.dispose();
    }
  }

  /** End of the image block: every prompt of this image must share these tokens. */
  private imagePrefixLength(all: number[][]): number {
    const first = all[0]!;
    const lastImage = first.lastIndexOf(this.lm.imageTokenId);
    if (lastImage < 0) throw new EngineError('internal', 'The prompt holds no image tokens');
    let end = lastImage + 1;
    while (
      end < first.length &&
      this.lm.specialIds.has(first[end]!) &&
      !this.lm.endOfTurnIds.has(first[end]!)
    )
      end++;
    for (const ids of all) end = Math.min(end, commonPrefixLength(first, ids));
    if (end <= lastImage) {
      throw new EngineError(
        'internal',
        'Prompts of one image do not share the image tokens; cannot reuse its cache',
      );
    }
    return end;
  }

  private async scoreFromPrefix(
    p: PlannedCase,
    prefixCache: Cache,
    prefixLength: number,
    hooks: ScoreHooks,
  ): Promise<CaseRecord> {
    const base = { pairId: p.pair.id, slot: p.slot, method: p.method };
    if (p.method === 'GD') {
      const out = await this.forward(p.ids.slice(prefixLength), prefixCache, prefixLength, 'last');
      await hooks.checkpoint();
      const { answer, probabilities } = this.letterAnswer(out.lastRow());
      await out.cache.dispose();
      return { ...base, answer, probabilities };
    }
    if (p.method === 'PS') {
      const { fullA, fullB, spanA, spanB } = p.ps!;
      const q = Math.min(spanA.start, spanB.start);
      const question = await this.forward(fullA.slice(prefixLength, q), prefixCache, prefixLength, 'last');
      await hooks.checkpoint();
      const lastQuestionRow = question.lastRow();
      const logProbs: Record<Letter, number[]> = { A: [], B: [] };
      for (const [letter, full, span] of [
        ['A', fullA, spanA],
        ['B', fullB, spanB],
      ] as const) {
        // Inputs q .. end-2 produce the logits for tokens q+1 .. end-1; token q comes from the question's last row.
        const tail = full.slice(q, span.end - 1);
        const opt = tail.length > 0 ? await this.forward(tail, question.cache, q, 'all') : null;
        logProbs[letter] = this.optionLogProbs(span, full, (pos) =>
          pos === q - 1 ? lastQuestionRow : opt!.row(pos - q),
        );
        if (opt) await opt.cache.dispose();
        await hooks.checkpoint();
      }
      await question.cache.dispose();
      const prefixScores = { A: prefixScore(logProbs.A), B: prefixScore(logProbs.B) };
      return {
        ...base,
        answer: prefixAnswer(prefixScores.A, prefixScores.B),
        prefixScores,
        tokenLogProbs: logProbs,
      };
    }
    if (p.method === 'MC' || p.method === 'FF') {
      const judge = p.method === 'FF' ? this.requireJudge() : null;
      const generated = await this.greedyDecode(
        p.ids.slice(prefixLength),
        prefixCache,
        prefixLength,
        p.method === 'MC' ? MC_MAX_NEW_TOKENS : this.ffMaxNewTokens(),
        hooks,
      );
      const generatedText = this.decodeText(generated);
      if (!judge) return { ...base, answer: parseMcAnswer(generatedText).answer, generatedText };
      const verdict = await judge(p.pair, generatedText);
      return {
        ...base,
        answer: verdict.answer,
        generatedText,
        judge: { rawText: verdict.rawText, scores: verdict.scores },
      };
    }
    throw new EngineError('internal', `Unknown method ${String(p.method)}`);
  }

  private requireJudge(): FreeFormJudge {
    if (!this.freeForm.judge) throw new EngineError('internal', 'FF needs a judge model: load one first');
    return this.freeForm.judge;
  }

  private ffMaxNewTokens(): number {
    return this.freeForm.maxNewTokens ?? FF_MAX_NEW_TOKENS;
  }

  /** Greedy decoding on top of a shared cache that must survive (it is never updated in place). */
  private async greedyDecode(
    promptTail: number[],
    base: Cache,
    baseLength: number,
    maxNewTokens: number,
    hooks: ScoreHooks,
  ): Promise<number[]> {
    let step = await this.forward(promptTail, base, baseLength, 'last');
    let length = baseLength + promptTail.length;
    const generated: number[] = [];
    try {
      for (;;) {
        await hooks.checkpoint();
        const next = argmax(step.lastRow());
        if (this.lm.eosIds.has(next)) break;
        generated.push(next);
        if (generated.length >= maxNewTokens) break;
        const following = await this.forward([next], step.cache, length, 'last', {}, true);
        await step.cache.dispose();
        step = following;
        length += 1;
      }
    } finally {
      await step.cache.dispose();
    }
    return generated;
  }

  // ---------------------------------------------------------------- full recomputation (reference)

  private async scoreImageFull(work: ImageWork, hooks: ScoreHooks): Promise<void> {
    for (const c of work.cases) {
      for (const method of c.methods) {
        const base = { pairId: c.pair.id, slot: c.slot, method };
        let record: CaseRecord;
        if (method === 'GD') {
          const inputs = await this.freshProcessor(this.chatText('GD', c.pair), work.image);
          const ids = idsOf(inputs);
          const out = await this.forward(ids, null, 0, 'last', pickImageInputs(inputs));
          const { answer, probabilities } = this.letterAnswer(out.lastRow());
          await out.cache.dispose();
          record = { ...base, answer, probabilities };
        } else if (method === 'PS') {
          const promptOnly = idsOf(await this.freshProcessor(this.chatText('PS', c.pair), work.image));
          const logProbs: Record<Letter, number[]> = { A: [], B: [] };
          for (const letter of ['A', 'B'] as const) {
            const inputs = await this.freshProcessor(this.chatText('PS', c.pair, letter), work.image);
            const full = idsOf(inputs);
            const span = this.optionSpan(promptOnly, full);
            const out = await this.forward(full, null, 0, 'all', pickImageInputs(inputs));
            logProbs[letter] = this.optionLogProbs(span, full, (pos) => out.row(pos));
            await out.cache.dispose();
            await hooks.checkpoint();
          }
          const prefixScores = { A: prefixScore(logProbs.A), B: prefixScore(logProbs.B) };
          record = {
            ...base,
            answer: prefixAnswer(prefixScores.A, prefixScores.B),
            prefixScores,
            tokenLogProbs: logProbs,
          };
        } else if (method === 'MC' || method === 'FF') {
          const judge = method === 'FF' ? this.requireJudge() : null;
          const inputs = await this.freshProcessor(this.chatText(method, c.pair), work.image);
          const promptLength = inputs.input_ids!.dims[1]!;
          this.counters.tokensPrefilled += promptLength;
          const maxNew = method === 'MC' ? MC_MAX_NEW_TOKENS : this.ffMaxNewTokens();
          const sequences = (await (
            this.lm.model as unknown as { generate(x: unknown): Promise<Tensor> }
          ).generate({ ...inputs, max_new_tokens: maxNew, do_sample: false })) as Tensor;
          const all = Array.from(sequences.data as BigInt64Array, Number);
          const generated = all.slice(promptLength).filter((id) => !this.lm.eosIds.has(id));
          // generate(): one call per new token; all but the first are fed back one at a time
          this.counters.tokensDecoded += Math.max(0, all.length - promptLength - 1);
          this.counters.decoderCalls += all.length - promptLength;
          const generatedText = this.decodeText(generated);
          if (judge) {
            const verdict = await judge(c.pair, generatedText);
            record = {
              ...base,
              answer: verdict.answer,
              generatedText,
              judge: { rawText: verdict.rawText, scores: verdict.scores },
            };
          } else record = { ...base, answer: parseMcAnswer(generatedText).answer, generatedText };
        } else {
          throw new EngineError('internal', `Unknown method ${String(method)}`);
        }
        await hooks.checkpoint();
        await hooks.onRecord(record);
      }
    }
  }
}

// ---------------------------------------------------------------- helpers

const counted = new WeakSet<object>();

function countVisionEncoderRuns(lm: LoadedModel, counters: WorkCounters) {
  const model = lm.model as unknown as { encode_image: (...a: unknown[]) => Promise<unknown> };
  if (counted.has(model)) {
    // Re-point the existing wrapper at the newest counters.
    (model as unknown as { __counters: WorkCounters }).__counters = counters;
    return;
  }
  const original = model.encode_image.bind(model);
  (model as unknown as { __counters: WorkCounters }).__counters = counters;
  model.encode_image = async (...args: unknown[]) => {
    (model as unknown as { __counters: WorkCounters }).__counters.visionEncoderRuns++;
    return original(...args);
  };
  counted.add(model);
}

function idsOf(inputs: Record<string, Tensor>): number[] {
  const t = inputs.input_ids;
  if (!t) throw new EngineError('internal', 'The processor returned no input_ids');
  return Array.from(t.data as BigInt64Array, Number);
}

/** Everything the processor produced besides the text: pixel values and their masks or grids. */
function pickImageInputs(inputs: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (k !== 'input_ids' && k !== 'attention_mask' && k !== 'token_type_ids' && v instanceof Tensor)
      out[k] = v;
  }
  return out;
}

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Logits as float32 whatever the model's output type (fp16 models return float16 logits). */
function toFloat32(t: Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as unknown as ArrayLike<number> & { BYTES_PER_ELEMENT?: number };
    // Float16Array (where it exists) already yields numbers; Uint16Array holds raw halves.
    if (src instanceof Uint16Array) return Float32Array.from(src, halfToFloat);
    return Float32Array.from(src);
  }
  throw new EngineError('internal', `Unexpected logits type ${t.type}`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
