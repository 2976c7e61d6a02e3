// The metrics of one run as the Results tab shows them: the cases that count, per-method metrics with
// bootstrap confidence intervals and the test against random guessing, coverage, the Table 2 method.
import {
  bestAcrossMethods,
  computeMetrics,
  pairAnswersFromRecords,
  type BestAcrossMethods,
  type MethodMetrics,
} from '../metrics.ts';
import {
  binomialTest,
  bootstrapConfidenceIntervals,
  type BootstrapResult,
  type ConfidenceInterval,
} from '../statistics.ts';
import { METHODS } from '../types.ts';
import type { Answer, CaseRecord, Dataset, Method, PairAnswers } from '../types.ts';
import type { RunRecord } from '../run/records.ts';
import { ResultsError } from './errors.ts';

export const BOOTSTRAP_ITERATIONS = 2000;
export const BOOTSTRAP_SEED = 1;
export const CONFIDENCE_LEVEL = 0.95;
/** Random guessing gets a pair right with probability 1/2 · 1/2. */
export const CHANCE_SET_ACCURACY = 0.25;
export const SIGNIFICANCE_LEVEL = 0.05;

export interface MethodResult {
  method: Method;
  metrics: MethodMetrics;
  setAccuracyCI: ConfidenceInterval;
  individualAccuracyCI: ConfidenceInterval;
  /** One-sided exact binomial test of pairs right against 25 %; null when no pair is scored. */
  vsRandom: { pValue: number; significant: boolean } | null;
  /** Pairs of the dataset without an answer for both images (not scored). */
  pairsNotRun: string[];
}

export interface RunCoverage {
  /** Answers stored for this run's methods, over pairs × 2 images × methods. */
  casesRun: number;
  casesExpected: number;
  pairsTotal: number;
  /** Pairs lacking an image's answer for at least one of the run's methods. */
  pairsNotRun: string[];
  complete: boolean;
}

export interface RunResults {
  runId: string;
  datasetHash: string;
  /** Methods the run asked for or has answers for, in METHODS order. */
  methods: Method[];
  byMethod: Partial<Record<Method, MethodResult>>;
  best: BestAcrossMethods;
  coverage: RunCoverage;
  bootstrap: { iterations: number; seed: number; level: number };
}

/** The methods a run covers: those it declared plus any its cases use, in METHODS order. */
export function runMethods(run: Pick<RunRecord, 'methods'>, cases: readonly CaseRecord[]): Method[] {
  const present = new Set<string>(run.methods);
  for (const c of cases) present.add(c.method);
  return METHODS.filter((m) => present.has(m));
}

/** A case as read from storage: the core record, maybe with its prompt hash and completion time. */
export type MaybeStored = CaseRecord & { promptHash?: string; computedAt?: number };

/**
 * The cases that count: those computed with the run's prompt for their method (a case from another
 * prompt must never mix in), ordered by completion so that the latest answer for a case wins.
 */
export function effectiveCases<T extends MaybeStored>(
  run: Pick<RunRecord, 'promptHashes'>,
  cases: readonly T[],
): T[] {
  const kept = cases.filter((c) => {
    const expected = run.promptHashes[c.method];
    return expected === undefined || c.promptHash === undefined || c.promptHash === expected;
  });
  return kept
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (a.c.computedAt ?? 0) - (b.c.computedAt ?? 0) || a.i - b.i)
    .map(({ c }) => c);
}

/** One character per image in dataset order: identifies a method's answers for memoisation. */
function answersFingerprint(dataset: Dataset, answers: PairAnswers): string {
  const code = (a: Answer | undefined) => (a === undefined ? '.' : a === null ? '-' : a);
  let s = '';
  for (const pair of dataset.pairs) {
    const a = answers.get(pair.id);
    s += code(a?.[1]) + code(a?.[2]);
  }
  return s;
}

// 2000 resamples per method is a few milliseconds each, but tables re-render often and the same
// answers recur (e.g. a run re-selected, or its import); keyed by content, so it can never be stale.
const BOOTSTRAP_CACHE_LIMIT = 256;
const bootstrapCache = new Map<string, BootstrapResult>();

/** bootstrapConfidenceIntervals with the Results tab's fixed settings, memoised on the answers. */
export function memoizedBootstrap(dataset: Dataset, answers: PairAnswers): BootstrapResult {
  const key = `${dataset.hash}|${BOOTSTRAP_ITERATIONS}|${BOOTSTRAP_SEED}|${CONFIDENCE_LEVEL}|${answersFingerprint(dataset, answers)}`;
  const hit = bootstrapCache.get(key);
  if (hit) return hit;
  const result = bootstrapConfidenceIntervals(dataset, answers, {
    iterations: BOOTSTRAP_ITERATIONS,
    seed: BOOTSTRAP_SEED,
    level: CONFIDENCE_LEVEL,
  });
  if (bootstrapCache.size >= BOOTSTRAP_CACHE_LIMIT) {
    const oldest = bootstrapCache.keys().next().value;
    if (oldest !== undefined) bootstrapCache.delete(oldest);
  }
  bootstrapCache.set(key, result);
  return result;
}

export function clearBootstrapCache(): void {
  bootstrapCache.clear();
}

/** Everything Table 1 needs for one run: per-method metrics, CIs, the test vs chance, coverage. */
export function computeRunResults(
  run: Pick<RunRecord, 'id' | 'datasetHash' | 'methods' | 'promptHashes'>,
  cases: readonly MaybeStored[],
  dataset: Dataset,
): RunResults {
  if (run.datasetHash !== dataset.hash) {
    throw new ResultsError(
      `run ${run.id} answers dataset ${run.datasetHash}, but the loaded dataset "${dataset.name}" is ${dataset.hash}`,
    );
  }
  const records = effectiveCases(run, cases);
  const methods = runMethods(run, records);
  const byMethod: Partial<Record<Method, MethodResult>> = {};
  const metricsByMethod: Partial<Record<Method, MethodMetrics>> = {};
  const notRun = new Set<string>();
  let casesRun = 0;
  for (const method of methods) {
    const answers = pairAnswersFromRecords(records, method);
    const metrics = computeMetrics(dataset, answers);
    const ci = memoizedBootstrap(dataset, answers);
    const pairsNotRun: string[] = [];
    for (const pair of dataset.pairs) {
      const a = answers.get(pair.id);
      if (a?.[1] === undefined || a[2] === undefined) {
        pairsNotRun.push(pair.id);
        notRun.add(pair.id);
      }
    }
    const { setCorrect, pairsRun } = metrics.counts;
    let vsRandom: MethodResult['vsRandom'] = null;
    if (pairsRun > 0) {
      const pValue = binomialTest(setCorrect, pairsRun, CHANCE_SET_ACCURACY).pValueGreater;
      vsRandom = { pValue, significant: pValue < SIGNIFICANCE_LEVEL };
    }
    casesRun += metrics.counts.casesRun;
    metricsByMethod[method] = metrics;
    byMethod[method] = {
      method,
      metrics,
      setAccuracyCI: ci.setAccuracy,
      individualAccuracyCI: ci.individualAccuracy,
      vsRandom,
      pairsNotRun,
    };
  }
  const casesExpected = dataset.pairs.length * 2 * methods.length;
  return {
    runId: run.id,
    datasetHash: dataset.hash,
    methods,
    byMethod,
    best: bestAcrossMethods(metricsByMethod),
    coverage: {
      casesRun,
      casesExpected,
      pairsTotal: dataset.pairs.length,
      pairsNotRun: dataset.pairs.filter((p) => notRun.has(p.id)).map((p) => p.id),
      complete: methods.length > 0 && casesRun === casesExpected,
    },
    bootstrap: { iterations: BOOTSTRAP_ITERATIONS, seed: BOOTSTRAP_SEED, level: CONFIDENCE_LEVEL },
  };
}

/** The method whose per-category numbers Table 2 shows: the chosen one, or the best by set accuracy. */
export function categoryMethod(results: RunResults, choice: 'best' | Method): Method | null {
  if (choice !== 'best') return results.byMethod[choice] ? choice : null;
  return results.best.bestSetMethod;
}
