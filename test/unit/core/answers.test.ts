import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  greedyAnswer,
  judgeAnswer,
  logSoftmaxAt,
  officialAnswerDict,
  parseJudgeOutput,
  parseMcAnswer,
  prefixAnswer,
  prefixScore,
} from '../../../src/core/answers.ts';

describe('greedyAnswer (GD)', () => {
  it('softmaxes the two letter logits and picks the larger', () => {
    const r = greedyAnswer(2, 1);
    expect(r.answer).toBe('A');
    expect(r.probabilities.A).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(r.probabilities.B).toBeCloseTo(1 / (1 + Math.exp(1)), 15);
    expect(greedyAnswer(-3, 4.5).answer).toBe('B');
  });

  it('breaks ties toward A, like argmax over [A, B]', () => {
    expect(greedyAnswer(1.25, 1.25)).toEqual({ answer: 'A', probabilities: { A: 0.5, B: 0.5 } });
  });

  it('is stable for huge and infinite logits', () => {
    expect(greedyAnswer(1000, -1000)).toEqual({ answer: 'A', probabilities: { A: 1, B: 0 } });
    expect(greedyAnswer(-Infinity, 0)).toEqual({ answer: 'B', probabilities: { A: 0, B: 1 } });
    expect(greedyAnswer(1e4, 1e4 - 1).probabilities.A).toBeCloseTo(0.7310585786300049, 15);
    expect(() => greedyAnswer(NaN, 1)).toThrow(RangeError);
  });

  it('gives probabilities that sum to 1 and agree with the answer', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        (a, b) => {
          const r = greedyAnswer(a, b);
          expect(r.probabilities.A + r.probabilities.B).toBeCloseTo(1, 12);
          expect(r.answer).toBe(a >= b ? 'A' : 'B');
        },
      ),
    );
  });
});

describe('logSoftmaxAt', () => {
  it('matches the direct formula on small logits', () => {
    const logits = [1, 2, 3];
    const z = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(logSoftmaxAt(logits, 0)).toBeCloseTo(1 - z, 14);
    expect(logSoftmaxAt(logits, 2)).toBeCloseTo(3 - z, 14);
  });

  it('does not overflow on large logits', () => {
    expect(logSoftmaxAt([1000, 1001], 1)).toBeCloseTo(-Math.log1p(Math.exp(-1)), 14);
    expect(logSoftmaxAt([-1000, -1001], 0)).toBeCloseTo(-Math.log1p(Math.exp(-1)), 14);
  });

  it('reads one row of a flattened [positions × vocab] tensor', () => {
    const vocab = 4;
    const flat = new Float32Array([9, 9, 9, 9, 0, 1, 2, 3]);
    expect(logSoftmaxAt(flat, 3, vocab, vocab)).toBeCloseTo(logSoftmaxAt([0, 1, 2, 3], 3), 6);
    expect(logSoftmaxAt(flat, 0, 0, vocab)).toBeCloseTo(Math.log(0.25), 12);
  });

  it('agrees with a direct float64 log-sum-exp over a large float32 vocabulary', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 40 - 20;
    const logits = Float32Array.from({ length: 50000 }, rand);
    let z = 0;
    for (const x of logits) z += Math.exp(x); // no overflow in [-20, 20]
    const lse = Math.log(z);
    for (const id of [0, 1, 777, 25000, 49999]) {
      expect(logSoftmaxAt(logits, id)).toBeCloseTo((logits[id] as number) - lse, 11);
    }
  });

  it('exponentiates to a distribution that sums to one', () => {
    const logits = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 30);
    let total = 0;
    for (let i = 0; i < logits.length; i++) total += Math.exp(logSoftmaxAt(logits, i));
    expect(total).toBeCloseTo(1, 12);
  });

  it('rejects bad indices and NaN', () => {
    expect(() => logSoftmaxAt([1, 2], 2)).toThrow(RangeError);
    expect(() => logSoftmaxAt([1, 2], -1)).toThrow(RangeError);
    expect(() => logSoftmaxAt([1, 2, 3], 0, 2, 2)).toThrow(RangeError);
    expect(() => logSoftmaxAt([1, NaN], 0)).toThrow(/NaN/);
    expect(() => logSoftmaxAt([-Infinity, -Infinity], 0)).toThrow(RangeError);
  });
});

describe('prefixScore / prefixAnswer (PS)', () => {
  it('is the geometric mean of the token probabilities', () => {
    expect(prefixScore([Math.log(0.5), Math.log(0.5)])).toBeCloseTo(0.5, 15);
    expect(prefixScore([Math.log(0.2), Math.log(0.8)])).toBeCloseTo(0.4, 15);
    expect(prefixScore([Math.log(0.3)])).toBeCloseTo(0.3, 15);
    expect(prefixScore([-Infinity, 0])).toBe(0);
    expect(() => prefixScore([])).toThrow(RangeError);
  });

  it('uses the official tie rule: B unless A is strictly greater', () => {
    expect(prefixAnswer(0.6, 0.5)).toBe('A');
    expect(prefixAnswer(0.4, 0.5)).toBe('B');
    expect(prefixAnswer(0.5, 0.5)).toBe('B');
  });
});

describe('parseMcAnswer (MC, official clean_up_manual)', () => {
  it.each([
    ['A', 'A'],
    ['A:', 'A'],
    ['.A', 'A'],
    ['.A:', 'A'],
    ['A.', 'A'],
    ['A")', 'A'],
    ['("A":', 'A'],
    ['("A")', 'A'],
    ['("A").', 'A'],
    ['B', 'B'],
    ['B")', 'B'],
    ['("B").', 'B'],
    ['A\n', 'A'],
    ['\nA', 'A'],
    ['B.\nBecause the image shows it.', 'B'],
    ['The answer is A.', 'A'],
    ['I think the answer is B: infarct', 'B'],
    ['Answer: A', 'A'],
    ['  A  ', 'A'],
  ])('accepts %j as %s', (text, letter) => {
    const r = parseMcAnswer(text);
    expect(r.answer).toBe(letter);
    expect(r.scores).toEqual(letter === 'A' ? { A: 10, B: 0 } : { A: 0, B: 10 });
  });

  it.each([
    ['AB'],
    ['A and B'],
    ['A\nB'],
    ['(A)'],
    ['a'],
    ['Answer:A'],
    [''],
    ['A,'],
    ['"A"'],
    ['A\tB'],
    ['B\r'],
    ['Both A. and B. are possible'],
    ['The first option'],
  ])('rejects %j as invalid (scores 0/0)', (text) => {
    expect(parseMcAnswer(text)).toEqual({ answer: null, scores: { A: 0, B: 0 } });
  });
});

describe('parseJudgeOutput (FF)', () => {
  it('parses the official format', () => {
    expect(parseJudgeOutput('A: 8\nB: 2\nYour explanation: Close to answer A.')).toEqual({
      A: 8,
      B: 2,
      reason: 'Close to answer A.',
    });
    expect(parseJudgeOutput('A: 1\n\nB: 10\n\nYour explanation: B.')).toEqual({ A: 1, B: 10, reason: 'B.' });
  });

  it('tolerates surrounding whitespace, CRLF, emphasis and extra text lines', () => {
    expect(parseJudgeOutput('  A:  8  \r\n B:2 \n\n  Your explanation:   fits A ')).toEqual({
      A: 8,
      B: 2,
      reason: 'fits A',
    });
    expect(
      parseJudgeOutput('Here are my scores.\nA: 3\nB: 9\nYour explanation: matches B\nsecond line'),
    ).toEqual({
      A: 3,
      B: 9,
      reason: 'matches B\nsecond line',
    });
    expect(parseJudgeOutput('**A:** 7\n**B:** 1')).toEqual({ A: 7, B: 1, reason: '' });
  });

  it.each([
    ['A: 8'],
    ['A: 8\nYour explanation: no B'],
    ['B: 2\nA: 8'],
    ['A: 0\nB: 5'],
    ['A: 11\nB: 5'],
    ['A: 5\nB: -1'],
    ['A: 7.5\nB: 2'],
    ['A: seven\nB: 2'],
    ['A: 8/10\nB: 2/10'],
    ['A:\nB: 2'],
    [''],
    ['The answer is closer to A.'],
  ])('returns null for %j (never guesses)', (text) => {
    expect(parseJudgeOutput(text)).toBeNull();
  });
});

describe('judgeAnswer (FF, official check_answer)', () => {
  it('chooses an option only with a score gap of at least the threshold', () => {
    expect(judgeAnswer({ A: 8, B: 5 })).toBe('A');
    expect(judgeAnswer({ A: 8, B: 6 })).toBeNull();
    expect(judgeAnswer({ A: 2, B: 5 })).toBe('B');
    expect(judgeAnswer({ A: 5, B: 5 })).toBeNull();
    expect(judgeAnswer({ A: 6, B: 5 }, 1)).toBe('A');
    expect(judgeAnswer({ A: 10, B: 1 }, 10)).toBeNull();
    expect(judgeAnswer(null)).toBeNull();
  });
});

describe('officialAnswerDict', () => {
  it('writes GD/PS letters as clean_up of the letter', () => {
    expect(officialAnswerDict({ pairId: '1', slot: 1, method: 'GD', answer: 'A' })).toEqual({
      A: 10,
      B: 0,
      full_answer: 'A',
    });
    expect(officialAnswerDict({ pairId: '1', slot: 2, method: 'PS', answer: 'B' })).toEqual({
      A: 0,
      B: 10,
      full_answer: 'B',
    });
  });

  it('keeps the MC generation and scores invalid answers 0/0', () => {
    expect(
      officialAnswerDict({ pairId: '1', slot: 1, method: 'MC', answer: 'B', generatedText: 'B")' }),
    ).toEqual({
      A: 0,
      B: 10,
      full_answer: 'B")',
    });
    expect(
      officialAnswerDict({ pairId: '1', slot: 1, method: 'MC', answer: null, generatedText: 'A or B' }),
    ).toEqual({
      A: 0,
      B: 0,
      full_answer: 'A or B',
    });
  });

  it('writes FF judge scores and reason (0/0 when the judge was unparsable)', () => {
    expect(
      officialAnswerDict({
        pairId: '1',
        slot: 1,
        method: 'FF',
        answer: 'A',
        generatedText: 'A bleed.',
        judge: { rawText: 'A: 9\nB: 2\nYour explanation: bleed', scores: { A: 9, B: 2 } },
      }),
    ).toEqual({ A: 9, B: 2, full_answer: 'A bleed.', gpt_reason: 'bleed' });
    expect(
      officialAnswerDict({
        pairId: '1',
        slot: 1,
        method: 'FF',
        answer: null,
        generatedText: 'x',
        judge: { rawText: 'garbage', scores: null },
      }),
    ).toEqual({ A: 0, B: 0, full_answer: 'x', gpt_reason: '' });
  });
});
