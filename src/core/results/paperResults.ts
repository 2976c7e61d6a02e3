// The published results (paper Table 1, Table 2 and random guessing) read from paper_results.json,
// and the paper's method order. Pure data and its normalisation.
import paperResultsJson from '../../data/mediconfusion/paper_results.json' with { type: 'json' };
import { METHODS, type Method } from '../types.ts';
import { isObject } from './jsonShape.ts';

/** The paper's column order in Table 1. */
export const PAPER_METHOD_ORDER: readonly Method[] = ['MC', 'GD', 'FF', 'PS'];

export interface PaperModelRow {
  model: string;
  setAccuracy: Partial<Record<Method, number>>;
  individualAccuracy: Partial<Record<Method, number>>;
  confusion: Partial<Record<Method, number>>;
  bestSetAccuracy: number | null;
  bestIndividualAccuracy: number | null;
}

export interface PaperCategoryRow {
  model: string;
  byCategory: Record<string, { setAccuracy: number; individualAccuracy: number }>;
}

export interface PaperResults {
  source: string;
  random: { setAccuracy: number; individualAccuracy: number; confusion: number };
  table1: PaperModelRow[];
  table2: PaperCategoryRow[];
}

function numberOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function perMethod(x: unknown): Partial<Record<Method, number>> {
  const out: Partial<Record<Method, number>> = {};
  if (!isObject(x)) return out;
  for (const m of METHODS) {
    const v = numberOrNull(x[m]);
    if (v !== null) out[m] = v; // null in the paper = not evaluated with that method
  }
  return out;
}

/** paper_results.json in the benchmark's words; nulls (methods a model was not run with) dropped. */
export function normalizePaperResults(json: unknown): PaperResults {
  const data = isObject(json) ? json : {};
  const random = isObject(data.random_guessing) ? data.random_guessing : {};
  const rows = (x: unknown) => (Array.isArray(x) ? x.filter(isObject) : []);
  return {
    source: typeof data.source === 'string' ? data.source : '',
    random: {
      setAccuracy: numberOrNull(random.set_acc) ?? 25,
      individualAccuracy: numberOrNull(random.individual_acc) ?? 50,
      confusion: numberOrNull(random.confusion) ?? 50,
    },
    table1: rows(data.table1).map((r) => ({
      model: String(r.model),
      setAccuracy: perMethod(r.set_acc),
      individualAccuracy: perMethod(r.individual_acc),
      confusion: perMethod(r.confusion),
      bestSetAccuracy: numberOrNull(r.best_set_acc),
      bestIndividualAccuracy: numberOrNull(r.best_individual_acc),
    })),
    table2: rows(data.table2_best_by_category).map((r) => {
      const byCategory: PaperCategoryRow['byCategory'] = {};
      if (isObject(r.by_category)) {
        for (const [cat, v] of Object.entries(r.by_category)) {
          if (!isObject(v)) continue;
          const s = numberOrNull(v.set_acc);
          const i = numberOrNull(v.individual_acc);
          if (s !== null && i !== null) byCategory[cat] = { setAccuracy: s, individualAccuracy: i };
        }
      }
      return { model: String(r.model), byCategory };
    }),
  };
}

export const PAPER_RESULTS: PaperResults = normalizePaperResults(paperResultsJson);
