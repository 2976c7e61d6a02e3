// Which pairs a run asks about: all of them, the first N, one category, or a list of pair ids (the
// CLI's --pairs is the first N). The selection is no part of the run id: the cases of a part are
// the same cases as in the whole run, so a part can be extended to the whole benchmark later and
// nothing is computed twice. Its description is shown beside the run id and kept in the run card.
import type { ConfusionPair } from '../types.ts';

export type PairSelection =
  | { kind: 'all' }
  | { kind: 'first'; count: number }
  | { kind: 'category'; category: string }
  | { kind: 'ids'; ids: string[] };

export const ALL_PAIRS: PairSelection = { kind: 'all' };

export interface SelectedPairs {
  pairs: ConfusionPair[];
  /** Ids of a list that name no pair of the dataset. */
  unknownIds: string[];
}

/** Pair ids from what a user typed: separated by commas, semicolons or white space. */
export function parsePairIds(text: string): string[] {
  const ids = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...new Set(ids)];
}

/** The chosen pairs, in dataset order. */
export function selectPairs(pairs: readonly ConfusionPair[], selection: PairSelection): SelectedPairs {
  switch (selection.kind) {
    case 'all':
      return { pairs: [...pairs], unknownIds: [] };
    case 'first':
      return { pairs: pairs.slice(0, Math.max(0, Math.floor(selection.count))), unknownIds: [] };
    case 'category':
      return {
        pairs: pairs.filter(
          (p) => p.category1.includes(selection.category) || p.category2.includes(selection.category),
        ),
        unknownIds: [],
      };
    case 'ids': {
      const wanted = new Set(selection.ids);
      const known = new Set(pairs.map((p) => p.id));
      return {
        pairs: pairs.filter((p) => wanted.has(p.id)),
        unknownIds: selection.ids.filter((id) => !known.has(id)),
      };
    }
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "all 176 pairs", "first 10 pairs", "category Cardiac (26 pairs)", "pairs 10003, 10005". */
export function describeSelection(selection: PairSelection, chosen: number, total: number): string {
  switch (selection.kind) {
    case 'all':
      return `all ${plural(total, 'pair')}`;
    case 'first':
      return `first ${plural(chosen, 'pair')}`;
    case 'category':
      return `category ${selection.category} (${plural(chosen, 'pair')})`;
    case 'ids': {
      const shown = selection.ids.slice(0, 6).join(', ');
      const more = selection.ids.length > 6 ? ` and ${selection.ids.length - 6} more` : '';
      return `${selection.ids.length === 1 ? 'pair' : 'pairs'} ${shown}${more}`;
    }
  }
}
