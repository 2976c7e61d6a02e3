// GD's letter rules: which tokens stand for the letters A and B when GD reads the logits at the
// answer position, and the answer and probabilities each rule gives from a case's stored letter
// logits (CaseRecord.letterLogits). Pure: the engine stores the logits of every spelling of each
// letter, so a run made under one rule can be re-read under any other, exactly.
//  - official: encode('A') vs encode('B') without special tokens, as the official code (the paper);
//  - as-written: the first token of the chat template's own answer "A" (or "B") after the prompt,
//    the token a trained model writes there (" A" after SmolVLM's "Assistant:");
//  - both: the probability mass of every spelling of each letter, summed.
import { greedyAnswer } from '../answers.ts';
import { LETTERS, type Letter, type LetterLogits } from '../types.ts';

export type LetterRule = 'official' | 'as-written' | 'both';

export const LETTER_RULES: readonly LetterRule[] = ['official', 'as-written', 'both'];

/** The official code's rule; a run under it keeps the run id and GD prompt hash it always had. */
export const DEFAULT_LETTER_RULE: LetterRule = 'official';

export interface LetterRuleSpec {
  rule: LetterRule;
  /** Short name for labels and menus. */
  label: string;
  /** One sentence: which tokens are read. */
  description: string;
  /** Whether GD numbers under this rule are the paper's Table 1 GD numbers. */
  comparableWithPaper: boolean;
}

export const LETTER_RULE_SPECS: Readonly<Record<LetterRule, LetterRuleSpec>> = {
  official: {
    rule: 'official',
    label: 'official',
    description: 'The tokens of encode("A") and encode("B"), as the official code and the paper.',
    comparableWithPaper: true,
  },
  'as-written': {
    rule: 'as-written',
    label: 'as written',
    description:
      'The first token of the chat template’s own answer "A" / "B" after the prompt (e.g. " A" after "Assistant:").',
    comparableWithPaper: false,
  },
  both: {
    rule: 'both',
    label: 'both spellings',
    description: 'The probability of every spelling of each letter ("A", " A", …), summed.',
    comparableWithPaper: false,
  },
};

export function isLetterRule(value: unknown): value is LetterRule {
  return typeof value === 'string' && (LETTER_RULES as readonly string[]).includes(value);
}

export class LetterRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LetterRuleError';
  }
}

/** The token ids a rule reads for each letter. */
export function ruleTokenIds(
  letters: Readonly<Record<Letter, LetterLogits>>,
  rule: LetterRule,
): Record<Letter, number[]> {
  const ids = (l: Letter): number[] => {
    const x = letters[l];
    if (rule === 'official') return [x.officialId];
    if (rule === 'as-written') {
      if (x.asWrittenId === null)
        throw new LetterRuleError(
          `The chat template's answer "${l}" does not start with a spelling of the letter: the "as written" rule cannot be read.`,
        );
      return [x.asWrittenId];
    }
    return x.spellings.map((s) => s.tokenId);
  };
  return { A: ids('A'), B: ids('B') };
}

function logitOf(x: LetterLogits, tokenId: number, letter: Letter): number {
  const s = x.spellings.find((sp) => sp.tokenId === tokenId);
  if (!s) throw new LetterRuleError(`No stored logit for token ${tokenId} of letter ${letter}.`);
  return s.logit;
}

/** log Σ exp(x), shifted by the largest term. */
function logSumExp(xs: readonly number[]): number {
  const max = Math.max(...xs);
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (const x of xs) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

/**
 * The GD answer and two-way probabilities under a rule, from the stored letter logits. Each rule
 * reduces to one score per letter (the official or as-written token's logit, or the log of the
 * summed exp-logits of every spelling) and goes through the official two-way softmax, ties to A.
 */
export function letterRuleAnswer(
  letters: Readonly<Record<Letter, LetterLogits>>,
  rule: LetterRule,
): { answer: Letter; probabilities: { A: number; B: number } } {
  const ids = ruleTokenIds(letters, rule);
  const score = (l: Letter) => {
    const logits = ids[l].map((id) => logitOf(letters[l], id, l));
    return logits.length === 1 ? logits[0]! : logSumExp(logits);
  };
  return greedyAnswer(score('A'), score('B'));
}

/** Every rule's reading of one case, in LETTER_RULES order; a rule the case cannot be read under is left out. */
export function everyRuleReading(letters: Readonly<Record<Letter, LetterLogits>>): {
  rule: LetterRule;
  answer: Letter;
  probabilities: { A: number; B: number };
  tokens: Record<Letter, string[]>;
}[] {
  const out = [];
  for (const rule of LETTER_RULES) {
    let ids: Record<Letter, number[]>;
    try {
      ids = ruleTokenIds(letters, rule);
    } catch (e) {
      if (e instanceof LetterRuleError) continue;
      throw e;
    }
    const tokens = Object.fromEntries(
      LETTERS.map((l) => [
        l,
        ids[l].map((id) => letters[l].spellings.find((s) => s.tokenId === id)?.text ?? String(id)),
      ]),
    ) as Record<Letter, string[]>;
    out.push({ rule, ...letterRuleAnswer(letters, rule), tokens });
  }
  return out;
}
