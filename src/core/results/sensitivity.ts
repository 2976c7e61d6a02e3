// Image sensitivity: how much each method's answer moves between a pair's two images (definitions,
// the per-image quantities, the figure itself), and the sensitivity list's rows and sort order.
import type { CaseRecord, ConfusionPair, Method } from '../types.ts';
import { pairOutcome, type PairOutcome, type RunCaseIndex } from './explorerModel.ts';
import type { SortKey, SortState } from './explorerUrl.ts';

/** How each method's sensitivity is defined; shown in the UI beside the figure and the list. */
export const SENSITIVITY_DEFINITIONS: Readonly<Record<Method, string>> = {
  GD: '|pA(image 1) − pA(image 2)|, where pA is the probability of "A" in the two-way softmax over the letters A and B.',
  PS: '|sA₁/(sA₁+sB₁) − sA₂/(sA₂+sB₂)|, where sA and sB are the prefix scores of the two options for each image (normalised so they sum to 1).',
  MC: '0 when the two generated answers parse to the same letter (or are both invalid), 1 otherwise.',
  FF: '0 when the judge gives the same answer (or no valid answer) for both images, 1 otherwise.',
};

/** What the sensitivity of a method compares between the two images. */
export const SENSITIVITY_QUANTITY: Readonly<Record<Method, string>> = {
  GD: 'pA',
  PS: 'normalised prefix score of A',
  MC: 'parsed answer',
  FF: 'judged answer',
};

/** GD: probability of A (the two-way softmax's A); null when not recorded. */
export function gdProbabilityA(c: CaseRecord | undefined): number | null {
  const p = c?.probabilities?.A;
  return typeof p === 'number' && Number.isFinite(p) ? p : null;
}

/** PS prefix scores: recorded, else recomputed as exp(mean log p) from the token log-probabilities. */
export function prefixScores(c: CaseRecord | undefined): { A: number; B: number } | null {
  if (!c) return null;
  if (c.prefixScores) return c.prefixScores;
  const t = c.tokenLogProbs;
  if (!t || t.A.length === 0 || t.B.length === 0) return null;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return { A: Math.exp(mean(t.A)), B: Math.exp(mean(t.B)) };
}

/** PS: sA / (sA + sB), the share of A in the two prefix scores; null when undefined (0 + 0). */
export function psShareA(c: CaseRecord | undefined): number | null {
  const s = prefixScores(c);
  if (!s) return null;
  const total = s.A + s.B;
  if (!Number.isFinite(total) || total <= 0) return null;
  return s.A / total;
}

/** The per-image quantity a method's sensitivity compares: a probability-like share of A, or none. */
export function shareA(method: Method, c: CaseRecord | undefined): number | null {
  if (method === 'GD') return gdProbabilityA(c);
  if (method === 'PS') return psShareA(c);
  return null;
}

/**
 * How much the answer moves between the two images of a pair (0 = not at all, 1 = completely);
 * null when an image has no case or its case lacks the numbers the method needs.
 */
export function sensitivity(
  method: Method,
  case1: CaseRecord | undefined,
  case2: CaseRecord | undefined,
): number | null {
  if (!case1 || !case2) return null;
  if (method === 'GD' || method === 'PS') {
    const a = shareA(method, case1);
    const b = shareA(method, case2);
    return a === null || b === null ? null : Math.abs(a - b);
  }
  return case1.answer === case2.answer ? 0 : 1;
}

/** Decimals to show: GD and PS vary continuously, MC and FF are 0 or 1. */
export function sensitivityDigits(method: Method): number {
  return method === 'GD' || method === 'PS' ? 3 : 0;
}

export function pairSensitivity(index: RunCaseIndex | null, pairId: string, method: Method): number | null {
  const entry = index?.get(pairId);
  return sensitivity(method, entry?.[1][method], entry?.[2][method]);
}

// ---------------------------------------------------------------------------------------------
// Sensitivity list

export interface SensitivityRow {
  pair: ConfusionPair;
  /** Position in the dataset, a stable tie-breaker. */
  order: number;
  sensitivity: number | null;
  compareSensitivity: number | null;
  outcome: PairOutcome;
  compareOutcome: PairOutcome | null;
}

export function sensitivityRows(
  pairs: readonly ConfusionPair[],
  index: RunCaseIndex | null,
  compareIndex: RunCaseIndex | null,
  method: Method,
): SensitivityRow[] {
  return pairs.map((pair, order) => ({
    pair,
    order,
    sensitivity: pairSensitivity(index, pair.id, method),
    compareSensitivity: compareIndex ? pairSensitivity(compareIndex, pair.id, method) : null,
    outcome: pairOutcome(index, pair, method),
    compareOutcome: compareIndex ? pairOutcome(compareIndex, pair, method) : null,
  }));
}

function sortValue(row: SensitivityRow, key: SortKey): number | string | null {
  switch (key) {
    case 'sensitivity':
      return row.sensitivity;
    case 'compare':
      return row.compareSensitivity;
    case 'pair':
      return row.pair.id;
    case 'biomedclip':
      return row.pair.biomedClipSim;
    case 'dino':
      return row.pair.dinoSim;
  }
}

/** Sorted copy; missing values always last, ties in dataset order. Ids compare numerically when they can. */
export function sortSensitivityRows(rows: readonly SensitivityRow[], sort: SortState): SensitivityRow[] {
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    if (x === null || y === null) {
      if (x === null && y !== null) return 1;
      if (y === null && x !== null) return -1;
      return a.order - b.order;
    }
    let c: number;
    if (typeof x === 'number' && typeof y === 'number') c = x - y;
    else c = String(x).localeCompare(String(y), undefined, { numeric: true });
    return c !== 0 ? sign * c : a.order - b.order;
  });
}
