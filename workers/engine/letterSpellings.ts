// The spellings of the letters A and B in one tokenizer, for GD's letter rules (core/run/letterRules):
// every token that decodes to the letter on its own (whitespace aside: "A", " A", "▁A", …), found once
// per loaded model; per case, the token the chat template's own answer starts with ("as written");
// and, from a logits row, what the model gave each spelling (CaseRecord.letterLogits).
import { LETTERS, type Letter, type LetterLogits, type LetterSpelling } from '../../src/core/types.ts';
import { EngineError } from './errors.ts';
import { commonPrefixLength } from './forward.ts';

/** One spelling of a letter, before any logits. */
export interface SpellingToken {
  tokenId: number;
  text: string;
}

/** The letters' tokens of one tokenizer: the official one and every spelling. */
export interface LetterSpellingTable {
  officialIds: Record<Letter, number>;
  spellings: Record<Letter, SpellingToken[]>;
}

interface TokenizerLike {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  get_vocab?(): Map<string, number> | Record<string, number>;
}

function vocabEntries(tokenizer: TokenizerLike): [string, number][] {
  const vocab = tokenizer.get_vocab?.();
  if (!vocab) return [];
  return vocab instanceof Map ? [...vocab.entries()] : Object.entries(vocab);
}

/**
 * Every spelling of A and B in the tokenizer: each non-special token whose decoded text, trimmed,
 * is the letter. The official token (encode(letter) without special tokens) must be one token, as
 * the official code assumes; it is always among the spellings.
 */
export function discoverLetterSpellings(
  tokenizer: TokenizerLike,
  specialIds: ReadonlySet<number>,
  officialText: Record<Letter, string> = { A: 'A', B: 'B' },
): LetterSpellingTable {
  const officialIds = {} as Record<Letter, number>;
  for (const l of LETTERS) {
    const ids = tokenizer.encode(officialText[l], { add_special_tokens: false });
    if (ids.length !== 1) {
      throw new EngineError(
        'unsupported-architecture',
        `The letter "${officialText[l]}" is ${ids.length} tokens in this tokenizer; GD needs one.`,
      );
    }
    officialIds[l] = ids[0]!;
  }
  const found: Record<Letter, Map<number, string>> = { A: new Map(), B: new Map() };
  for (const [token, id] of vocabEntries(tokenizer)) {
    if (specialIds.has(id)) continue;
    // A cheap filter first: a token that decodes to a letter holds it (byte-level and SentencePiece
    // keep letters as they are); the decode decides. Byte-fallback pieces ("<0x41>") are left out:
    // a tokenizer that has them also has the letter itself, which is what a model writes.
    const candidates = LETTERS.filter((l) => token.includes(l));
    if (candidates.length === 0) continue;
    const text = tokenizer.decode([id], { skip_special_tokens: false });
    for (const l of candidates) if (text.trim() === l) found[l].set(id, text);
  }
  for (const l of LETTERS) {
    if (!found[l].has(officialIds[l])) {
      found[l].set(officialIds[l], tokenizer.decode([officialIds[l]], { skip_special_tokens: false }));
    }
  }
  const spellings = Object.fromEntries(
    LETTERS.map((l) => [
      l,
      [...found[l].entries()].sort(([a], [b]) => a - b).map(([tokenId, text]) => ({ tokenId, text })),
    ]),
  ) as Record<Letter, SpellingToken[]>;
  return { officialIds, spellings };
}

/**
 * The token the chat template's own answer starts with: the conversation with the assistant turn
 * "<letter>" tokenized, its first token after the prompt (the generation prompt's tokens). Null when
 * the prompt is not a prefix of it or that token is not a spelling of the letter.
 */
export function asWrittenTokenId(
  tokenizer: TokenizerLike,
  promptText: string,
  answerText: string,
  letter: Letter,
): number | null {
  const prompt = tokenizer.encode(promptText, { add_special_tokens: false });
  const full = tokenizer.encode(answerText, { add_special_tokens: false });
  if (commonPrefixLength(prompt, full) !== prompt.length || full.length <= prompt.length) return null;
  const id = full[prompt.length]!;
  return tokenizer.decode([id], { skip_special_tokens: false }).trim() === letter ? id : null;
}

/** log Σ exp over the row's first `vocab` logits (max-shifted, float64). */
function logNormalizer(row: Float32Array, vocab: number): number {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (row[i]! > max) max = row[i]!;
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(row[i]! - max);
  return max + Math.log(sum);
}

/** What the model gave every spelling of each letter at the answer position (one logits row). */
export function letterLogitsOf(
  table: LetterSpellingTable,
  asWritten: Record<Letter, number | null>,
  row: Float32Array,
  vocab: number,
): Record<Letter, LetterLogits> {
  const logZ = logNormalizer(row, vocab);
  const of = (l: Letter): LetterLogits => {
    const tokens = [...table.spellings[l]];
    const extra = asWritten[l];
    if (extra !== null && !tokens.some((t) => t.tokenId === extra)) {
      tokens.push({ tokenId: extra, text: `#${extra}` });
      tokens.sort((a, b) => a.tokenId - b.tokenId);
    }
    const spellings: LetterSpelling[] = tokens.map(({ tokenId, text }) => {
      const logit = row[tokenId];
      if (logit === undefined || tokenId >= vocab)
        throw new EngineError('internal', `Letter token ${tokenId} lies outside the logits row (${vocab})`);
      return { tokenId, text, logit, logProb: logit - logZ };
    });
    return { officialId: table.officialIds[l], asWrittenId: asWritten[l], spellings };
  };
  return { A: of('A'), B: of('B') };
}
