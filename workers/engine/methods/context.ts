// What every method module (gd.ts, ps.ts, generation.ts) works with: the loaded model, its decoder,
// the chat text and processor calls for one prompt, the hooks that store each record and honour a
// cancel, and the interface each method implements in its two forms, cached and full.
import type { RawImage, Tensor } from '@huggingface/transformers';
import { buildConversation } from '../../../src/core/prompts.ts';
import type {
  Answer,
  CaseRecord,
  ConfusionPair,
  ImageSlot,
  Letter,
  Method,
} from '../../../src/core/types.ts';
import { DEFAULT_LETTER_RULE, type LetterRule } from '../../../src/core/run/letterRules.ts';
import type { WorkCounters } from '../../../src/core/run/vocabulary.ts';
import { EngineError } from '../errors.ts';
import { commonPrefixLength, Decoder, type Cache } from '../forward.ts';
import type { LoadedModel } from '../loadModel.ts';

/** Turns a free-form answer into a letter (or invalid), keeping the judge's raw text and scores. */
export type FreeFormJudge = (
  pair: ConfusionPair,
  answerText: string,
) => Promise<{ rawText: string; scores: { A: number; B: number } | null; answer: Answer }>;

export interface FreeFormOptions {
  judge?: FreeFormJudge;
  maxNewTokens?: number;
}

export interface ScoreHooks {
  /** Called for every finished case, in order; awaited so the caller can persist it first. */
  onRecord(record: CaseRecord): Promise<void> | void;
  /** Throws EngineError('cancelled') when the caller asked to stop. Checked after every forward. */
  checkpoint(): Promise<void>;
  /** Sees every processor output of the image (the scorer measures its image tokens from one). */
  onProcessed?(inputs: Record<string, Tensor>): void;
}

export interface TokenSpan {
  start: number;
  end: number;
}

/** One case's prompt token ids (and, for PS, both full conversations with their option spans). */
export interface PlannedCase {
  pair: ConfusionPair;
  slot: ImageSlot;
  method: Method;
  ids: number[];
  ps?: { fullA: number[]; fullB: number[]; spanA: TokenSpan; spanB: TokenSpan };
  /** GD: the token the template's own answer starts with, per letter (letterSpellings.ts). */
  gd?: { asWritten: Record<Letter, number | null> };
}

/** The image prefix (chat header + image tokens) prefilled once for an image's cases. */
export interface ImagePrefix {
  cache: Cache;
  length: number;
}

/** Tokenizes a chat text together with the image (the image preprocessed once per image). */
export type Tokenize = (text: string) => Promise<Record<string, Tensor>>;

/** One method in both strategies; `full` is the official way and the reference `cached` must equal. */
export interface MethodScorer {
  /** The case's prompt ids (the image is already preprocessed; tokenizing is cheap). */
  plan(ctx: MethodContext, tokenize: Tokenize, pair: ConfusionPair, slot: ImageSlot): Promise<PlannedCase>;
  /** The fewest tokens any engine must prefill for this case after the image prefix. */
  minimumPrefill(p: PlannedCase, prefixLength: number): number;
  /** Every prompt the case's planned ids hold (all must share the image prefix). */
  prompts(p: PlannedCase): number[][];
  cached(ctx: MethodContext, p: PlannedCase, prefix: ImagePrefix): Promise<CaseRecord>;
  full(ctx: MethodContext, pair: ConfusionPair, slot: ImageSlot, image: RawImage): Promise<CaseRecord>;
}

export class MethodContext {
  readonly decoder: Decoder;

  constructor(
    readonly lm: LoadedModel,
    readonly counters: WorkCounters,
    readonly freeForm: FreeFormOptions,
    readonly hooks: ScoreHooks,
    /** Which tokens GD reads as the letters (core/run/letterRules). */
    readonly letterRule: LetterRule = DEFAULT_LETTER_RULE,
  ) {
    this.decoder = new Decoder(lm, counters);
  }

  /** The chat text; with an option, the conversation including its assistant turn (prompts.ts buildConversation). */
  chatText(method: Method, pair: ConfusionPair, option?: Letter): string {
    const messages = buildConversation(method, pair, this.lm.family, option);
    const shaped = this.lm.adapter.chatMessages?.(this.lm, messages) ?? messages;
    return this.lm.processor.apply_chat_template(shaped as never, {
      add_generation_prompt: option === undefined,
    }) as unknown as string;
  }

  /** A fresh processor call (the official way: the image preprocessed again for every prompt). */
  async freshProcessor(text: string, image: RawImage): Promise<Record<string, Tensor>> {
    this.counters.imagesPreprocessed++;
    const inputs = await this.lm.adapter.process(this.lm.processor, text, image);
    this.hooks.onProcessed?.(inputs);
    return inputs;
  }

  /** Where the option's own tokens lie: after the prompt-only prefix, before end-of-turn tokens. */
  optionSpan(promptOnly: number[], full: number[]): TokenSpan {
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

  /** Size of the vocabulary a logits row is normalised over. */
  vocabOf(row: Float32Array): number {
    const vocab = this.lm.info.vocabSize;
    return vocab > 0 ? Math.min(vocab, row.length) : row.length;
  }

  decodeText(ids: number[]): string {
    if (ids.length === 0) return ''; // the model ended its turn at once
    return this.lm.processor.tokenizer!.decode(ids, { skip_special_tokens: true });
  }
}
