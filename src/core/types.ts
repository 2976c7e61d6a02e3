// The benchmark's vocabulary: letters, methods, image slots, confusion pairs, per-case records.
// Pure types plus a few constants; every other core module speaks in these terms.

/** An option letter. Each pair has exactly two options. */
export type Letter = 'A' | 'B';

/** The four official answering methods: greedy decoding, prefix score, multiple choice, free form. */
export type Method = 'GD' | 'PS' | 'MC' | 'FF';

/** Which image of a confusion pair a case is about. */
export type ImageSlot = 1 | 2;

/** A chosen letter, or null when the answer is invalid (MC/FF can be; GD/PS never are). */
export type Answer = Letter | null;

/** Fixed order used for iteration and tie-breaking wherever methods are listed. */
export const METHODS: readonly Method[] = ['GD', 'PS', 'MC', 'FF'];

export const LETTERS: readonly Letter[] = ['A', 'B'];

/** One question asked about two similar-looking images whose correct options differ. */
export interface ConfusionPair {
  id: string;
  question: string;
  optionA: string;
  optionB: string;
  im1Correct: Letter;
  im2Correct: Letter;
  /** The official downloader saves image files as `<local>.jpg`; kept as a string id. */
  im1Local: string;
  im2Local: string;
  /** ROCO path (empty when the source did not give one). */
  im1Path: string;
  im2Path: string;
  caption1: string;
  caption2: string;
  category1: string[];
  category2: string[];
  biomedClipSim: number | null;
  dinoSim: number | null;
}

export interface Dataset {
  name: string;
  pairs: ConfusionPair[];
  /** Category names in display order (the official statistics.json order). */
  categories: string[];
  /** Questions per category (a question counts once per category of its image). */
  categoryCounts: Record<string, number>;
  /** stableHash of the normalised pairs: identifies the exact question set behind a result. */
  hash: string;
}

/** GD: one single-token spelling of a letter ("A", " A", …) and what the model gave it. */
export interface LetterSpelling {
  tokenId: number;
  /** The token decoded on its own, e.g. "A" or " A". */
  text: string;
  /** The raw logit at the answer position (what every letter rule's two-way softmax reads). */
  logit: number;
  /** log softmax over the full vocabulary at the answer position. */
  logProb: number;
}

/** GD: every spelling of one letter the tokenizer has, and the ones the letter rules read (core/run/letterRules). */
export interface LetterLogits {
  /** encode(letter) without special tokens: the official rule's token. */
  officialId: number;
  /** The first token of the template's own answer "<letter>" after the prompt; null when that token is no spelling of the letter. */
  asWrittenId: number | null;
  /** Every token that decodes to the letter (whitespace aside), each once, by token id. */
  spellings: LetterSpelling[];
}

/** Everything recorded for one (pair, image, method) case. Optional fields belong to one method. */
export interface CaseRecord {
  pairId: string;
  slot: ImageSlot;
  method: Method;
  answer: Answer;
  /** GD: two-way softmax over the letter logits, under the run's letter rule. */
  probabilities?: { A: number; B: number };
  /** GD: the logits of every spelling of each letter, so the case can be re-read under any letter rule. */
  letterLogits?: Record<Letter, LetterLogits>;
  /** PS: exp(mean log p) of each option's tokens. */
  prefixScores?: { A: number; B: number };
  /** PS: per-token log probabilities of each option's tokens. */
  tokenLogProbs?: { A: number[]; B: number[] };
  /** MC/FF: the model's generated text. */
  generatedText?: string;
  /** FF: the judge's raw reply and its parsed 1-10 scores (null when unparsable). */
  judge?: { rawText: string; scores: { A: number; B: number } | null };
}

/** Answers per pair id; a missing slot means that image was not run (distinct from null = invalid). */
export type PairAnswers = Map<string, { 1?: Answer; 2?: Answer }>;

/**
 * Map keys within one run (the stored key, with run and prompt, is core/run/records caseKey):
 * slotKey names one image of one pair, caseIdOf one case (that image, one method).
 */
export function slotKey(r: { pairId: string; slot: ImageSlot }): string {
  return `${r.pairId}/${r.slot}`;
}

export function caseIdOf(r: { pairId: string; slot: ImageSlot; method: Method }): string {
  return `${slotKey(r)}/${r.method}`;
}
