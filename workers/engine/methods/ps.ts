// PS, the prefix score: for each option, the geometric mean of the probabilities of the option's
// own tokens after the question (per-token log-probabilities kept). Cached: the question is
// prefilled once on top of the image prefix, then both options' tails continue from its cache in
// one batched decoder call (2 calls per case), or one call each where the family, the decoder
// (q8: activations quantised per call) or the cache (on the GPU) cannot batch (Decoder.canBatch).
// Full: one whole forward pass per option, image encoded again each time, as the official code does.
import { logSoftmaxAt, prefixAnswer, prefixScore } from '../../../src/core/answers.ts';
import type { CaseRecord, ConfusionPair, ImageSlot, Letter } from '../../../src/core/types.ts';
import { idsOf, pickImageInputs } from '../forward.ts';
import type { MethodContext, MethodScorer, TokenSpan } from './context.ts';

/** Log-probabilities of the option's tokens span.start .. span.end-1 from the rows predicting them. */
function optionLogProbs(
  ctx: MethodContext,
  span: TokenSpan,
  full: number[],
  rowAt: (pos: number) => Float32Array,
): number[] {
  const out: number[] = [];
  for (let t = span.start; t < span.end; t++) {
    const row = rowAt(t - 1);
    out.push(logSoftmaxAt(row, full[t]!, 0, ctx.vocabOf(row)));
  }
  return out;
}

function record(pair: ConfusionPair, slot: ImageSlot, logProbs: Record<Letter, number[]>): CaseRecord {
  const prefixScores = { A: prefixScore(logProbs.A), B: prefixScore(logProbs.B) };
  return {
    pairId: pair.id,
    slot,
    method: 'PS',
    answer: prefixAnswer(prefixScores.A, prefixScores.B),
    prefixScores,
    tokenLogProbs: logProbs,
  };
}

export const ps: MethodScorer = {
  async plan(ctx, tokenize, pair, slot) {
    const ids = idsOf(await tokenize(ctx.chatText('PS', pair)));
    const fullA = idsOf(await tokenize(ctx.chatText('PS', pair, 'A')));
    const fullB = idsOf(await tokenize(ctx.chatText('PS', pair, 'B')));
    return {
      pair,
      slot,
      method: 'PS',
      ids,
      ps: { fullA, fullB, spanA: ctx.optionSpan(ids, fullA), spanB: ctx.optionSpan(ids, fullB) },
    };
  },

  /**
   * The question once after the prefix, then each option's tokens but its last after the shared
   * question (the last is only scored, from the row before it: nothing reads a row after it).
   */
  minimumPrefill(p, prefixLength) {
    const { spanA, spanB } = p.ps!;
    const q = Math.min(spanA.start, spanB.start);
    return q - prefixLength + (spanA.end - 1 - q) + (spanB.end - 1 - q);
  },

  prompts: (p) => [p.ids, p.ps!.fullA, p.ps!.fullB],

  async cached(ctx, p, prefix) {
    const { fullA, fullB, spanA, spanB } = p.ps!;
    const q = Math.min(spanA.start, spanB.start);
    const question = await ctx.decoder.forward(fullA.slice(prefix.length, q), prefix.cache, prefix.length, {
      keep: 'last',
    });
    await ctx.hooks.checkpoint();
    const lastQuestionRow = question.lastRow();
    const options = [
      ['A', fullA, spanA],
      ['B', fullB, spanB],
    ] as const;
    // Inputs q .. end-2 produce the logits for tokens q+1 .. end-1; token q comes from the question's
    // last row. A single-token option has no tail and needs no call.
    const tails = options.map(([, full, span]) => full.slice(q, span.end - 1));
    const rowsOf: ((i: number) => Float32Array)[] = [];
    const logProbs: Record<Letter, number[]> = { A: [], B: [] };
    const read = (o: 0 | 1) => {
      const [letter, full, span] = options[o];
      logProbs[letter] = optionLogProbs(ctx, span, full, (pos) =>
        pos === q - 1 ? lastQuestionRow : rowsOf[o]!(pos - q),
      );
    };
    if (tails[0]!.length > 0 && tails[1]!.length > 0 && ctx.decoder.canBatch(question.cache)) {
      const both = await ctx.decoder.forwardBatch(tails, question.cache, q);
      rowsOf[0] = (i) => both.row(0, i);
      rowsOf[1] = (i) => both.row(1, i);
      read(0);
      read(1);
      await ctx.hooks.checkpoint();
    } else {
      for (const o of [0, 1] as const) {
        const opt =
          tails[o]!.length > 0
            ? await ctx.decoder.forward(tails[o]!, question.cache, q, { keep: 'all' })
            : null;
        if (opt) rowsOf[o] = (i) => opt.row(i);
        read(o);
        if (opt) await opt.cache.dispose();
        await ctx.hooks.checkpoint();
      }
    }
    await question.cache.dispose();
    return record(p.pair, p.slot, logProbs);
  },

  async full(ctx, pair, slot, image) {
    const promptOnly = idsOf(await ctx.freshProcessor(ctx.chatText('PS', pair), image));
    const logProbs: Record<Letter, number[]> = { A: [], B: [] };
    for (const letter of ['A', 'B'] as const) {
      const inputs = await ctx.freshProcessor(ctx.chatText('PS', pair, letter), image);
      const full = idsOf(inputs);
      const span = ctx.optionSpan(promptOnly, full);
      const out = await ctx.decoder.forward(full, null, 0, { keep: 'all', extra: pickImageInputs(inputs) });
      logProbs[letter] = optionLogProbs(ctx, span, full, (pos) => out.row(pos));
      await out.cache.dispose();
      await ctx.hooks.checkpoint();
    }
    return record(pair, slot, logProbs);
  },
};
