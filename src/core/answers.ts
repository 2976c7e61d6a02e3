// Turning model outputs into answers, per method, exactly as the official code does
// (utils/answering.py): GD letter softmax, PS prefix score, MC text parsing, FF judge scores.

import type { Answer, CaseRecord, Letter } from './types.ts';

/** GD: two-way softmax over the A/B logits; the larger wins, ties go to A (argmax picks first). */
export function greedyAnswer(
  logitA: number,
  logitB: number,
): { answer: Letter; probabilities: { A: number; B: number } } {
  if (Number.isNaN(logitA) || Number.isNaN(logitB)) throw new RangeError('greedyAnswer: logit is NaN');
  if (logitA === logitB) return { answer: 'A', probabilities: { A: 0.5, B: 0.5 } };
  // Logistic form of the softmax: no overflow, and each side is computed directly (no 1 - p loss).
  const A = 1 / (1 + Math.exp(logitB - logitA));
  const B = 1 / (1 + Math.exp(logitA - logitB));
  return { answer: logitA > logitB ? 'A' : 'B', probabilities: { A, B } };
}

/**
 * log softmax(logits)[tokenId] over the row logits[offset .. offset+vocabSize), with max-shift and
 * float64 accumulation so float32 logits over a large vocabulary stay accurate.
 */
export function logSoftmaxAt(
  logits: Float32Array | readonly number[],
  tokenId: number,
  offset = 0,
  vocabSize = logits.length,
): number {
  if (!Number.isInteger(offset) || !Number.isInteger(vocabSize) || offset < 0 || vocabSize <= 0) {
    throw new RangeError(`logSoftmaxAt: bad offset ${offset} / vocabSize ${vocabSize}`);
  }
  if (offset + vocabSize > logits.length) {
    throw new RangeError(`logSoftmaxAt: row ${offset}+${vocabSize} exceeds ${logits.length} logits`);
  }
  if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= vocabSize) {
    throw new RangeError(`logSoftmaxAt: token id ${tokenId} outside vocabulary of ${vocabSize}`);
  }
  const end = offset + vocabSize;
  let max = -Infinity;
  for (let i = offset; i < end; i++) {
    const v = logits[i] as number;
    if (Number.isNaN(v)) throw new RangeError(`logSoftmaxAt: NaN logit at ${i - offset}`);
    if (v > max) max = v;
  }
  if (!Number.isFinite(max)) throw new RangeError(`logSoftmaxAt: largest logit is ${max}`);
  let sum = 0;
  for (let i = offset; i < end; i++) sum += Math.exp((logits[i] as number) - max);
  return (logits[offset + tokenId] as number) - max - Math.log(sum);
}

/** PS: geometric mean of the option's token probabilities = exp(mean log p). */
export function prefixScore(tokenLogProbs: readonly number[]): number {
  if (tokenLogProbs.length === 0) throw new RangeError('prefixScore: option has no tokens');
  let sum = 0;
  for (const lp of tokenLogProbs) sum += lp;
  return Math.exp(sum / tokenLogProbs.length);
}

/** PS: official rule `"A" if scoreA > scoreB else "B"`, so ties go to B. */
export function prefixAnswer(scoreA: number, scoreB: number): Letter {
  return scoreA > scoreB ? 'A' : 'B';
}

function acceptedForms(l: Letter): string[] {
  // The official valid_list; the newline forms cannot match after newlines become spaces.
  return [
    l,
    `${l}:`,
    `.${l}`,
    `.${l}:`,
    `${l}.`,
    `${l}")`,
    `${l}\n`,
    `\n${l}`,
    `("${l}":`,
    `("${l}")`,
    `("${l}").`,
  ];
}
const ACCEPTED = { A: acceptedForms('A'), B: acceptedForms('B') };

/**
 * MC (clean_up_manual): newlines become spaces, split on single spaces, and a letter is chosen if
 * any piece is exactly one of its accepted forms. Both or neither chosen → invalid (scores 0/0).
 */
export function parseMcAnswer(text: string): { answer: Answer; scores: { A: 0 | 10; B: 0 | 10 } } {
  const pieces = text.replace(/\n/g, ' ').split(' ');
  const a = pieces.some((p) => ACCEPTED.A.includes(p));
  const b = pieces.some((p) => ACCEPTED.B.includes(p));
  if (a && !b) return { answer: 'A', scores: { A: 10, B: 0 } };
  if (b && !a) return { answer: 'B', scores: { A: 0, B: 10 } };
  return { answer: null, scores: { A: 0, B: 0 } };
}

function scoreLine(line: string, l: Letter): string | null {
  // Tolerates markdown emphasis ("**A:** 8") and missing/extra spaces around the colon.
  const m = new RegExp(`^${l}\\s*:(.*)$`).exec(line.replace(/\*/g, '').trim());
  return m ? (m[1] as string).trim() : null;
}

function judgeScore(value: string): number | null {
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= 10 ? n : null;
}

/**
 * FF judge reply (process_gpt_response, made robust): the first line starting "A:" and the first
 * "B:" line after it must hold integers 1..10; the rest is the reason. Anything else → null,
 * never a guess.
 */
export function parseJudgeOutput(text: string): { A: number; B: number; reason: string } | null {
  const lines = text.split(/\r\n|\r|\n/);
  const aIndex = lines.findIndex((l) => scoreLine(l, 'A') !== null);
  if (aIndex < 0) return null;
  const bOffset = lines.slice(aIndex + 1).findIndex((l) => scoreLine(l, 'B') !== null);
  if (bOffset < 0) return null;
  const bIndex = aIndex + 1 + bOffset;
  const A = judgeScore(scoreLine(lines[aIndex] as string, 'A') as string);
  const B = judgeScore(scoreLine(lines[bIndex] as string, 'B') as string);
  if (A === null || B === null) return null;
  const reason = lines
    .slice(bIndex + 1)
    .join('\n')
    .trim()
    .replace(/^\**\s*Your explanation\s*:\s*\**\s*/i, '')
    .trim();
  return { A, B, reason };
}

/** FF (check_answer): the option scored higher by at least `threshold` wins, otherwise invalid. */
export function judgeAnswer(scores: { A: number; B: number } | null, threshold = 3): Answer {
  if (scores === null) return null;
  if (scores.A >= scores.B + threshold) return 'A';
  if (scores.B >= scores.A + threshold) return 'B';
  return null;
}

/** One image's entry in the official answers file: {A, B, full_answer} (+ gpt_reason for FF). */
export interface OfficialAnswerDict {
  A: number;
  B: number;
  full_answer: string;
  gpt_reason?: string;
}

/**
 * The official per-image answer dict for a record. GD/PS answers went through clean_up on the
 * letter ({A:10,B:0,full_answer:'A'}); MC keeps the generated text; FF holds the judge's scores
 * (0/0 when unparsable, as the official code does for a missing reply).
 */
export function officialAnswerDict(record: CaseRecord): OfficialAnswerDict {
  const letterScores = (a: Answer) => ({ A: a === 'A' ? 10 : 0, B: a === 'B' ? 10 : 0 });
  switch (record.method) {
    case 'GD':
    case 'PS':
      return { ...letterScores(record.answer), full_answer: record.answer ?? '' };
    case 'MC':
      return { ...letterScores(record.answer), full_answer: record.generatedText ?? record.answer ?? '' };
    case 'FF': {
      const scores = record.judge?.scores ?? null;
      const parsed = record.judge ? parseJudgeOutput(record.judge.rawText) : null;
      return {
        A: scores?.A ?? 0,
        B: scores?.B ?? 0,
        full_answer: record.generatedText ?? '',
        gpt_reason: parsed?.reason ?? '',
      };
    }
  }
}

/** The correct letter for an image of a pair. */
export function correctAnswer(pair: { im1Correct: Letter; im2Correct: Letter }, slot: 1 | 2): Letter {
  return slot === 1 ? pair.im1Correct : pair.im2Correct;
}
