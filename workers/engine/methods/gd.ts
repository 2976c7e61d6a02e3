// GD, greedy decoding as the official code scores it: one forward pass, then a two-way softmax over
// the logits of the letter tokens at the last position. Which tokens stand for the letters is the
// run's letter rule (core/run/letterRules; the official one reads encode('A') and encode('B')); every
// case stores the logits of every spelling of each letter, so it can be re-read under any rule.
// Cached: the prompt's text after the image prefix continues from the prefix's cache. Full: the
// whole prompt, image encoded again.
import { letterRuleAnswer } from '../../../src/core/run/letterRules.ts';
import type { CaseRecord, ConfusionPair, ImageSlot, Letter } from '../../../src/core/types.ts';
import { EngineError } from '../errors.ts';
import { idsOf, pickImageInputs } from '../forward.ts';
import { asWrittenTokenId, letterLogitsOf } from '../letterSpellings.ts';
import type { MethodContext, MethodScorer } from './context.ts';

/** Per letter, the first token of the template's own answer after the prompt (text only: cheap). */
function asWrittenIds(ctx: MethodContext, pair: ConfusionPair): Record<Letter, number | null> {
  const tokenizer = ctx.lm.processor.tokenizer! as unknown as Parameters<typeof asWrittenTokenId>[0];
  const prompt = ctx.chatText('GD', pair);
  const of = (l: Letter) => asWrittenTokenId(tokenizer, prompt, ctx.chatText('GD', pair, l), l);
  return { A: of('A'), B: of('B') };
}

function record(
  ctx: MethodContext,
  pair: ConfusionPair,
  slot: ImageSlot,
  asWritten: Record<Letter, number | null>,
  row: Float32Array,
): CaseRecord {
  const letterLogits = letterLogitsOf(ctx.lm.letterSpellings, asWritten, row, ctx.vocabOf(row));
  if (ctx.letterRule === 'as-written' && (asWritten.A === null || asWritten.B === null)) {
    throw new EngineError(
      'unsupported-architecture',
      `This chat template's answer does not start with a letter token after the prompt, so GD cannot use the "as written" letter rule; use "official" or "both spellings".`,
    );
  }
  const { answer, probabilities } = letterRuleAnswer(letterLogits, ctx.letterRule);
  return { pairId: pair.id, slot, method: 'GD', answer, probabilities, letterLogits };
}

export const gd: MethodScorer = {
  async plan(ctx, tokenize, pair, slot) {
    return {
      pair,
      slot,
      method: 'GD',
      ids: idsOf(await tokenize(ctx.chatText('GD', pair))),
      gd: { asWritten: asWrittenIds(ctx, pair) },
    };
  },

  minimumPrefill: (p, prefixLength) => p.ids.length - prefixLength,

  prompts: (p) => [p.ids],

  async cached(ctx, p, prefix): Promise<CaseRecord> {
    const out = await ctx.decoder.forward(p.ids.slice(prefix.length), prefix.cache, prefix.length, {
      keep: 'last',
    });
    await ctx.hooks.checkpoint();
    try {
      return record(ctx, p.pair, p.slot, p.gd?.asWritten ?? asWrittenIds(ctx, p.pair), out.lastRow());
    } finally {
      await out.cache.dispose();
    }
  },

  async full(ctx, pair, slot, image): Promise<CaseRecord> {
    const inputs = await ctx.freshProcessor(ctx.chatText('GD', pair), image);
    const out = await ctx.decoder.forward(idsOf(inputs), null, 0, {
      keep: 'last',
      extra: pickImageInputs(inputs),
    });
    try {
      return record(ctx, pair, slot, asWrittenIds(ctx, pair), out.lastRow());
    } finally {
      await out.cache.dispose();
    }
  },
};
