// MC and FF, the generating methods: greedy decoding of up to MC's 32 tokens (FF: 64 by default),
// then MC's official parser, or FF's judge. Cached: greedy steps on top of the image prefix's cache
// (which is never updated in place, so the next case can reuse it). Full: transformers.js
// generate() on the whole prompt, image encoded again, as the official code does.
import type { Tensor } from '@huggingface/transformers';
import { parseMcAnswer } from '../../../src/core/answers.ts';
import { DEFAULT_FF_MAX_NEW_TOKENS, MC_MAX_NEW_TOKENS } from '../../../src/core/run/methods.ts';
import type { CaseRecord, ConfusionPair, ImageSlot } from '../../../src/core/types.ts';
import { EngineError } from '../errors.ts';
import { argmax, idsOf, type Cache } from '../forward.ts';
import type { FreeFormJudge, MethodContext, MethodScorer } from './context.ts';

type GeneratingMethod = 'MC' | 'FF';

function maxNewTokens(ctx: MethodContext, method: GeneratingMethod): number {
  return method === 'MC' ? MC_MAX_NEW_TOKENS : (ctx.freeForm.maxNewTokens ?? DEFAULT_FF_MAX_NEW_TOKENS);
}

function requireJudge(ctx: MethodContext): FreeFormJudge {
  if (!ctx.freeForm.judge) throw new EngineError('internal', 'FF needs a judge model: load one first');
  return ctx.freeForm.judge;
}

/** The generated text as an answer: MC's official parser, or FF's judge. */
async function answerOf(
  ctx: MethodContext,
  method: GeneratingMethod,
  pair: ConfusionPair,
  slot: ImageSlot,
  generatedText: string,
): Promise<CaseRecord> {
  const base = { pairId: pair.id, slot, method };
  if (method === 'MC') return { ...base, answer: parseMcAnswer(generatedText).answer, generatedText };
  const verdict = await requireJudge(ctx)(pair, generatedText);
  return {
    ...base,
    answer: verdict.answer,
    generatedText,
    judge: { rawText: verdict.rawText, scores: verdict.scores },
  };
}

/** Greedy decoding on top of a shared cache that must survive (it is never updated in place). */
async function greedyDecode(
  ctx: MethodContext,
  promptTail: number[],
  base: Cache,
  baseLength: number,
  limit: number,
): Promise<number[]> {
  let step = await ctx.decoder.forward(promptTail, base, baseLength, { keep: 'last' });
  let length = baseLength + promptTail.length;
  const generated: number[] = [];
  try {
    for (;;) {
      await ctx.hooks.checkpoint();
      const next = argmax(step.lastRow());
      if (ctx.lm.eosIds.has(next)) break;
      generated.push(next);
      if (generated.length >= limit) break;
      const following = await ctx.decoder.forward([next], step.cache, length, {
        keep: 'last',
        decoding: true,
      });
      await step.cache.dispose();
      step = following;
      length += 1;
    }
  } finally {
    await step.cache.dispose();
  }
  return generated;
}

function generationMethod(method: GeneratingMethod): MethodScorer {
  return {
    async plan(ctx, tokenize, pair, slot) {
      if (method === 'FF') requireJudge(ctx);
      return { pair, slot, method, ids: idsOf(await tokenize(ctx.chatText(method, pair))) };
    },

    minimumPrefill: (p, prefixLength) => p.ids.length - prefixLength,

    prompts: (p) => [p.ids],

    async cached(ctx, p, prefix) {
      const generated = await greedyDecode(
        ctx,
        p.ids.slice(prefix.length),
        prefix.cache,
        prefix.length,
        maxNewTokens(ctx, method),
      );
      return answerOf(ctx, method, p.pair, p.slot, ctx.decodeText(generated));
    },

    async full(ctx, pair, slot, image) {
      if (method === 'FF') requireJudge(ctx);
      const inputs = await ctx.freshProcessor(ctx.chatText(method, pair), image);
      const promptLength = inputs.input_ids!.dims[1]!;
      ctx.counters.tokensPrefilled += promptLength;
      const sequences = (await (
        ctx.lm.model as unknown as { generate(x: unknown): Promise<Tensor> }
      ).generate({ ...inputs, max_new_tokens: maxNewTokens(ctx, method), do_sample: false })) as Tensor;
      const all = Array.from(sequences.data as BigInt64Array, Number);
      const generated = all.slice(promptLength).filter((id) => !ctx.lm.eosIds.has(id));
      // generate(): one call per new token; all but the first are fed back one at a time
      ctx.counters.tokensDecoded += Math.max(0, all.length - promptLength - 1);
      ctx.counters.decoderCalls += all.length - promptLength;
      return answerOf(ctx, method, pair, slot, ctx.decodeText(generated));
    },
  };
}

export const mc: MethodScorer = generationMethod('MC');
export const ff: MethodScorer = generationMethod('FF');
