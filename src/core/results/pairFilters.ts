// Pure helpers behind the Pairs view: which pairs match the category filter and search text,
// and how many distinct images a set of pairs uses; and the one definition of a flipped pair (an
// image answered differently by two runs), shared by the run comparison and the Explorer's
// "flipped" filter. Kept out of components so they are unit-tested.
import type { Answer, ConfusionPair, ImageSlot, PairAnswers } from '../types.ts';

export interface PairFilter {
  /** A category name, or '' for all categories. */
  category: string;
  /** Free text; every whitespace-separated word must appear (case-insensitive). */
  query: string;
}

export const EMPTY_FILTER: PairFilter = { category: '', query: '' };

/** Lower-cased words of a search text. */
export function searchTerms(query: string): string[] {
  return query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
}

/** The text a search runs over: id, question, options and categories (what the table shows). */
function searchableText(pair: ConfusionPair): string {
  return [pair.id, pair.question, pair.optionA, pair.optionB, ...pair.category1, ...pair.category2]
    .join('\n')
    .toLocaleLowerCase();
}

export function pairHasCategory(pair: ConfusionPair, category: string): boolean {
  return category === '' || pair.category1.includes(category) || pair.category2.includes(category);
}

export function filterPairs(pairs: readonly ConfusionPair[], filter: PairFilter): ConfusionPair[] {
  const terms = searchTerms(filter.query);
  return pairs.filter((pair) => {
    if (!pairHasCategory(pair, filter.category)) return false;
    if (terms.length === 0) return true;
    const text = searchableText(pair);
    return terms.every((t) => text.includes(t));
  });
}

/** Distinct local image ids used by the pairs (images shared between pairs count once). */
export function countImages(pairs: readonly ConfusionPair[]): number {
  const ids = new Set<string>();
  for (const p of pairs) {
    ids.add(p.im1Local);
    ids.add(p.im2Local);
  }
  return ids.size;
}

/** Pairs per category (a pair counts once even when both images share the category). */
export function pairsPerCategory(pairs: readonly ConfusionPair[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of pairs) {
    for (const c of new Set([...p.category1, ...p.category2])) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}

/** One run's answer to one image under one method; undefined when that image has no answer. */
export type AnswerLookup = (pairId: string, slot: ImageSlot) => Answer | undefined;

export function answerLookup(answers: PairAnswers): AnswerLookup {
  return (pairId, slot) => answers.get(pairId)?.[slot];
}

/**
 * The images of a pair answered by both runs with different answers. A letter against an
 * invalid answer (null) is a flip; an image either run has not answered is not compared.
 */
export function flippedSlots(pairId: string, a: AnswerLookup, b: AnswerLookup): ImageSlot[] {
  const out: ImageSlot[] = [];
  for (const slot of [1, 2] as const) {
    const x = a(pairId, slot);
    const y = b(pairId, slot);
    if (x !== undefined && y !== undefined && x !== y) out.push(slot);
  }
  return out;
}

/** The pairs with at least one flipped image, in the given order. */
export function filterFlippedPairs(
  pairs: readonly ConfusionPair[],
  a: AnswerLookup,
  b: AnswerLookup,
): ConfusionPair[] {
  return pairs.filter((p) => flippedSlots(p.id, a, b).length > 0);
}
