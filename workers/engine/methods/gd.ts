// GD, greedy decoding as the official code scores it: one forward pass, then a two-way softmax over
// the logits of the letter tokens A and B at the last position. Cached: the prompt's text after
// the image prefix continues from the prefix's cache. Full: the whole prompt, image encoded again.
import { greedyAnswer } from '../../../src/core/answers.ts';
import type { CaseRecord } from '../../../src/core/types.ts';
import { idsOf, pickImageInputs } from '../forward.ts';
import type { MethodContext, MethodScorer } from './context.ts';

function letterAnswer(ctx: MethodContext, row: Float32Array) {
  const { A, B } = ctx.lm.letterTokenIds;
  return greedyAnswer(row[A]!, row[B]!);
}

export const gd: MethodScorer = {
  async plan(ctx, tokenize, pair, slot) {
    return { pair, slot, method: 'GD', ids: idsOf(await tokenize(ctx.chatText('GD', pair))) };
  },

  minimumPrefill: (p, prefixLength) => p.ids.length - prefixLength,

  prompts: (p) => [p.ids],

  async cached(ctx, p, prefix): Promise<CaseRecord> {
    const out = await ctx.decoder.forward(p.ids.slice(prefix.length), prefix.cache, prefix.length, {
      keep: 'last',
    });
    await ctx.hooks.checkpoint();
    const { answer, probabilities } = letterAnswer(ctx, out.lastRow());
    await out.cache.dispose();
    return { pairId: p.pair.id, slot: p.slot, method: 'GD', answer, probabilities };
  },

  async full(ctx, pair, slot, image): Promise<CaseRecord> {
    const inputs = await ctx.freshProcessor(ctx.chatText('GD', pair), image);
    const out = await ctx.decoder.forward(idsOf(inputs), null, 0, {
      keep: 'last',
      extra: pickImageInputs(inputs),
    });
    const { answer, probabilities } = letterAnswer(ctx, out.lastRow());
    await out.cache.dispose();
    return { pairId: pair.id, slot, method: 'GD', answer, probabilities };
  },
};
