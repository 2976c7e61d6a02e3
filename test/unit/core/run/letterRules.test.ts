// GD's letter rules read from stored letter logits, checked against values worked out by hand: the
// official and as-written rules are the two-way softmax of one token per letter, "both" the summed
// probability of every spelling; ties go to A as in the official code.
import { describe, expect, it } from 'vitest';
import {
  everyRuleReading,
  isLetterRule,
  LetterRuleError,
  letterRuleAnswer,
  ruleTokenIds,
} from '../../../../src/core/run/letterRules.ts';
import type { Letter, LetterLogits } from '../../../../src/core/types.ts';

/** A SmolVLM-like tokenizer: "A" 82, " A" 273, "B" 83, " B" 274; the template writes " A". */
function letters(logits: { A: number; sA: number; B: number; sB: number }): Record<Letter, LetterLogits> {
  const sp = (tokenId: number, text: string, logit: number) => ({
    tokenId,
    text,
    logit,
    logProb: logit - 10,
  });
  return {
    A: { officialId: 82, asWrittenId: 273, spellings: [sp(82, 'A', logits.A), sp(273, ' A', logits.sA)] },
    B: { officialId: 83, asWrittenId: 274, spellings: [sp(83, 'B', logits.B), sp(274, ' B', logits.sB)] },
  };
}

describe('letter rules', () => {
  // Official: A 1 vs B 0 → p(A) = 1/(1+e^-1) = 0.7310585786300049.
  // As written: " A" 0 vs " B" 2 → p(A) = 1/(1+e^2) = 0.11920292202211755.
  // Both: (e^1 + e^0) / (e^1 + e^0 + e^0 + e^2) = 3.718281828 / 12.107337927 = 0.3071…
  const x = letters({ A: 1, sA: 0, B: 0, sB: 2 });

  it('read the expected tokens', () => {
    expect(ruleTokenIds(x, 'official')).toEqual({ A: [82], B: [83] });
    expect(ruleTokenIds(x, 'as-written')).toEqual({ A: [273], B: [274] });
    expect(ruleTokenIds(x, 'both')).toEqual({ A: [82, 273], B: [83, 274] });
  });

  it('give the hand-worked answers and probabilities', () => {
    const official = letterRuleAnswer(x, 'official');
    expect(official.answer).toBe('A');
    expect(official.probabilities.A).toBeCloseTo(0.7310585786300049, 15);
    const written = letterRuleAnswer(x, 'as-written');
    expect(written.answer).toBe('B');
    expect(written.probabilities.A).toBeCloseTo(0.11920292202211755, 15);
    const both = letterRuleAnswer(x, 'both');
    const e = Math.E;
    expect(both.probabilities.A).toBeCloseTo((e + 1) / (e + 1 + 1 + e * e), 14);
    expect(both.probabilities.A).toBeCloseTo(0.30711, 5);
    expect(both.answer).toBe('B');
    expect(both.probabilities.A + both.probabilities.B).toBeCloseTo(1, 14);
  });

  it('send ties to A, and "both" with one spelling per letter equals the official rule exactly', () => {
    expect(letterRuleAnswer(letters({ A: 0, sA: 0, B: 0, sB: 0 }), 'both')).toEqual({
      answer: 'A',
      probabilities: { A: 0.5, B: 0.5 },
    });
    const single = letters({ A: 0.3, sA: 0, B: -0.2, sB: 0 });
    for (const l of ['A', 'B'] as const) single[l].spellings = single[l].spellings.slice(0, 1);
    expect(letterRuleAnswer(single, 'both')).toEqual(letterRuleAnswer(single, 'official'));
  });

  it('refuse "as written" where the template writes no letter token, and leave it out of every reading', () => {
    const y = letters({ A: 1, sA: 0, B: 0, sB: 2 });
    y.A.asWrittenId = null;
    expect(() => letterRuleAnswer(y, 'as-written')).toThrow(LetterRuleError);
    expect(everyRuleReading(y).map((r) => r.rule)).toEqual(['official', 'both']);
    expect(everyRuleReading(x).map((r) => [r.rule, r.tokens])).toEqual([
      ['official', { A: ['A'], B: ['B'] }],
      ['as-written', { A: [' A'], B: [' B'] }],
      ['both', { A: ['A', ' A'], B: ['B', ' B'] }],
    ]);
  });

  it('name only the three rules', () => {
    expect(['official', 'as-written', 'both'].every(isLetterRule)).toBe(true);
    expect(isLetterRule('literal')).toBe(false);
  });
});
