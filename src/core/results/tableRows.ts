// The Results tables and charts as plain data: Table 1 and Table 2 rows (runs, published models,
// random guessing), the chart bars and axes, and the number formats.
import type { Method } from '../types.ts';
import { roundOfficial } from '../resultFormats.ts';
import type { RunRecord } from '../run/records.ts';
import { runName } from '../run/runName.ts';
import { PAPER_RESULTS, type PaperResults } from './paperResults.ts';
import { categoryMethod, type RunResults } from './runResults.ts';

/** What Table 2 and the category chart show per category. */
export type CategoryMetric = 'setAccuracy' | 'individualAccuracy';

/** A percentage with two decimals, rounded as the official tables round (e.g. "12.50"). */
export function formatValue(x: number): string {
  return roundOfficial(x, 2).toFixed(2);
}

/** A confidence interval with one decimal, e.g. "8.0–17.6". */
export function formatInterval(lower: number, upper: number): string {
  return `${lower.toFixed(1)}–${upper.toFixed(1)}`;
}

export function formatPValue(p: number): string {
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

export function formatDate(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export interface MetricCell {
  value: number | null;
  /** 95 % bootstrap interval (user runs, set and individual accuracy only). */
  interval?: { lower: number; upper: number };
  /** One-sided binomial p of set accuracy against random guessing (user runs, set accuracy only). */
  pValue?: number;
  significant?: boolean;
  /** For the Best columns: which method gave the value. */
  method?: Method | null;
  /** Why there is no value (a dash): "not run", "no pair with two valid answers", … */
  reason?: string;
}

export type RowKind = 'run' | 'paper' | 'random';

export interface Table1Row {
  key: string;
  kind: RowKind;
  label: string;
  runId?: string;
  /** A run read from a results file rather than computed here. */
  imported?: boolean;
  /** E.g. "partial: 120 of 176 pairs", shown under the label. */
  note?: string;
  setAccuracy: Record<Method, MetricCell>;
  individualAccuracy: Record<Method, MetricCell>;
  confusion: Record<Method, MetricCell>;
  /** Share of answers that were invalid (neither or both letters), per method. */
  invalid: Record<Method, MetricCell>;
  bestSet: MetricCell;
  bestIndividual: MetricCell;
}

const dash = (reason: string): MetricCell => ({ value: null, reason });

/** Invalid rates from this share up are named under the run's label. */
export const INVALID_WARNING_RATE = 50;

function perMethod(f: (m: Method) => MetricCell): Record<Method, MetricCell> {
  return { MC: f('MC'), GD: f('GD'), FF: f('FF'), PS: f('PS') };
}

export interface RunForTable {
  run: RunRecord;
  results: RunResults;
}

/** Partial-coverage note: metrics of an unfinished run are over the pairs it answered. */
export function coverageNote(results: RunResults): string | undefined {
  const { coverage } = results;
  if (coverage.complete) return undefined;
  const scored = coverage.pairsTotal - coverage.pairsNotRun.length;
  return `partial: ${scored} of ${coverage.pairsTotal} pairs answered by every method`;
}

/** Runs whose answers are mostly invalid say so under their label: "MC: 348 of 352 answers invalid". */
function invalidNote(results: RunResults): string | undefined {
  const parts: string[] = [];
  for (const m of results.methods) {
    const c = results.byMethod[m]?.metrics.counts;
    if (!c || c.pairsRun === 0) continue;
    const answers = c.pairsRun * 2;
    if ((c.invalidAnswers / answers) * 100 >= INVALID_WARNING_RATE)
      parts.push(`${m}: ${c.invalidAnswers} of ${answers} answers invalid`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

export function runRow({ run, results }: RunForTable): Table1Row {
  const cell = (m: Method, kind: 'set' | 'individual' | 'confusion' | 'invalid'): MetricCell => {
    const r = results.byMethod[m];
    if (!r) return dash('not run');
    if (r.metrics.counts.pairsRun === 0) return dash('no pair answered yet');
    if (kind === 'invalid') return { value: r.metrics.invalidRate };
    if (kind === 'confusion') {
      // No pair with two valid answers: confusion is undefined, not 0.
      return r.metrics.counts.validPairs > 0
        ? { value: r.metrics.confusion }
        : dash('no pair with two valid answers');
    }
    if (kind === 'individual') {
      return { value: r.metrics.individualAccuracy, interval: r.individualAccuracyCI };
    }
    return {
      value: r.metrics.setAccuracy,
      interval: r.setAccuracyCI,
      ...(r.vsRandom ? { pValue: r.vsRandom.pValue, significant: r.vsRandom.significant } : {}),
    };
  };
  const { bestSetMethod, bestIndividualMethod } = results.best;
  const best = bestSetMethod ? cell(bestSetMethod, 'set') : dash('no method answered yet');
  const bestIndividual = bestIndividualMethod
    ? cell(bestIndividualMethod, 'individual')
    : dash('no method answered yet');
  const note = [coverageNote(results), invalidNote(results)].filter(Boolean).join(' · ');
  return {
    key: `run:${run.id}`,
    kind: 'run',
    label: runName(run),
    runId: run.id,
    ...(run.imported ? { imported: true } : {}),
    ...(note ? { note } : {}),
    setAccuracy: perMethod((m) => cell(m, 'set')),
    individualAccuracy: perMethod((m) => cell(m, 'individual')),
    confusion: perMethod((m) => cell(m, 'confusion')),
    invalid: perMethod((m) => cell(m, 'invalid')),
    bestSet: { ...best, method: bestSetMethod },
    bestIndividual: { ...bestIndividual, method: bestIndividualMethod },
  };
}

/** Table 1: the selected runs, the paper's models, random guessing. */
export function table1Rows(runs: readonly RunForTable[], paper: PaperResults = PAPER_RESULTS): Table1Row[] {
  const value = (x: number | null | undefined): MetricCell =>
    x === null || x === undefined ? dash('not in the paper') : { value: x };
  const rows = runs.map(runRow);
  for (const p of paper.table1) {
    rows.push({
      key: `paper:${p.model}`,
      kind: 'paper',
      label: p.model,
      setAccuracy: perMethod((m) => value(p.setAccuracy[m])),
      individualAccuracy: perMethod((m) => value(p.individualAccuracy[m])),
      confusion: perMethod((m) => value(p.confusion[m])),
      invalid: perMethod(() => dash('not published')),
      bestSet: value(p.bestSetAccuracy),
      bestIndividual: value(p.bestIndividualAccuracy),
    });
  }
  const r = paper.random;
  rows.push({
    key: 'random',
    kind: 'random',
    label: 'Random guessing',
    setAccuracy: perMethod(() => value(r.setAccuracy)),
    individualAccuracy: perMethod(() => value(r.individualAccuracy)),
    confusion: perMethod(() => value(r.confusion)),
    invalid: perMethod(() => ({ value: 0 })),
    bestSet: value(r.setAccuracy),
    bestIndividual: value(r.individualAccuracy),
  });
  return rows;
}

export interface Bar {
  key: string;
  kind: 'run' | 'paper';
  label: string;
  value: number;
  interval?: { lower: number; upper: number };
  method?: Method | null;
  significant?: boolean;
  /** A run's invalid rate for the bar's method (%). */
  invalidRate?: number;
}

/** The set-accuracy chart: best set accuracy of each run (with CI), then the paper's, highest first. */
export function bestSetBars(runs: readonly RunForTable[], paper: PaperResults = PAPER_RESULTS): Bar[] {
  const bars: Bar[] = [];
  for (const row of runs.map(runRow)) {
    if (row.bestSet.value === null) continue;
    const invalid = row.bestSet.method ? row.invalid[row.bestSet.method].value : null;
    bars.push({
      key: row.key,
      kind: 'run',
      label: row.imported ? `${row.label} (imported)` : row.label,
      value: row.bestSet.value,
      ...(row.bestSet.interval ? { interval: row.bestSet.interval } : {}),
      method: row.bestSet.method ?? null,
      ...(row.bestSet.significant !== undefined ? { significant: row.bestSet.significant } : {}),
      ...(invalid !== null ? { invalidRate: invalid } : {}),
    });
  }
  const published = paper.table1
    .filter((p) => p.bestSetAccuracy !== null)
    .map((p) => ({
      key: `paper:${p.model}`,
      kind: 'paper' as const,
      label: p.model,
      value: p.bestSetAccuracy as number,
    }))
    .sort((a, b) => b.value - a.value);
  return [...bars, ...published];
}

export interface Table2Row {
  key: string;
  kind: RowKind;
  label: string;
  runId?: string;
  /** The method the row's numbers come from ("best" for the paper's rows). */
  methodLabel: string;
  values: Record<string, number | null>;
  /** A run's invalid rate for that method (%). */
  invalidRate?: number;
}

/** Per-category numbers of one run with the method chosen for Table 2; null where no question was run. */
export function runCategoryValues(
  results: RunResults,
  categories: readonly string[],
  metric: CategoryMetric,
  choice: 'best' | Method,
): { method: Method | null; values: Record<string, number | null> } {
  const method = categoryMethod(results, choice);
  const values: Record<string, number | null> = {};
  const metrics = method ? results.byMethod[method]?.metrics : undefined;
  for (const c of categories) {
    const m = metrics?.byCategory[c];
    values[c] = m && m.questions > 0 ? m[metric] : null;
  }
  return { method, values };
}

export function table2Rows(
  runs: readonly RunForTable[],
  categories: readonly string[],
  metric: CategoryMetric,
  choice: 'best' | Method,
  paper: PaperResults = PAPER_RESULTS,
): Table2Row[] {
  const rows: Table2Row[] = runs.map(({ run, results }) => {
    const { method, values } = runCategoryValues(results, categories, metric, choice);
    const metrics = method ? results.byMethod[method]?.metrics : undefined;
    return {
      key: `run:${run.id}`,
      kind: 'run',
      label: run.imported ? `${runName(run)} (imported)` : runName(run),
      runId: run.id,
      methodLabel: method ?? '—',
      values,
      ...(metrics && metrics.counts.pairsRun > 0 ? { invalidRate: metrics.invalidRate } : {}),
    };
  });
  for (const p of paper.table2) {
    const values: Record<string, number | null> = {};
    for (const c of categories) values[c] = p.byCategory[c]?.[metric] ?? null;
    rows.push({ key: `paper:${p.model}`, kind: 'paper', label: p.model, methodLabel: 'best', values });
  }
  const chance = metric === 'setAccuracy' ? paper.random.setAccuracy : paper.random.individualAccuracy;
  const values: Record<string, number | null> = {};
  for (const c of categories) values[c] = chance;
  rows.push({ key: 'random', kind: 'random', label: 'Random guessing', methodLabel: '—', values });
  return rows;
}

/** The highest published per-category value (the chart's "best published" marker). */
export function bestPublishedByCategory(
  categories: readonly string[],
  metric: CategoryMetric,
  paper: PaperResults = PAPER_RESULTS,
): Record<string, { value: number; model: string } | null> {
  const out: Record<string, { value: number; model: string } | null> = {};
  for (const c of categories) {
    let best: { value: number; model: string } | null = null;
    for (const p of paper.table2) {
      const v = p.byCategory[c]?.[metric];
      if (v !== undefined && (best === null || v > best.value)) best = { value: v, model: p.model };
    }
    out[c] = best;
  }
  return out;
}

/** A round upper bound for a chart axis: the next multiple of `step` at or above every value. */
export function axisMax(values: readonly number[], step = 10, minimum = 40): number {
  const top = Math.max(minimum, ...values.filter(Number.isFinite));
  return Math.min(100, Math.ceil(top / step) * step);
}

/** Ticks from 0 to max every `step`. */
export function axisTicks(max: number, step = 10): number[] {
  const ticks: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) ticks.push(t);
  return ticks;
}

/** Long labels in SVG cannot wrap: keep them to `max` characters (the full text stays in <title>). */
export function shorten(text: string, max = 26): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
