// The Results tab's arithmetic and file formats, as pure functions: a run's per-method metrics with
// bootstrap confidence intervals and the test against random guessing, coverage, the run card, the
// export files (official answers/score JSON, per-case CSV, our own bundle) and the parsing of
// imported result files into runs. No IndexedDB and no DOM here: the results store reads cases,
// calls these, and writes what they return.

import paperResultsJson from '../data/mediconfusion/paper_results.json' with { type: 'json' };
import { blindBaseline, type BlindBaseline } from '../core/blind.ts';
import { locateJsonError } from '../core/dataset.ts';
import { stableHash } from '../core/hash.ts';
import {
  bestAcrossMethods,
  computeMetrics,
  pairAnswersFromRecords,
  type BestAcrossMethods,
  type MethodMetrics,
} from '../core/metrics.ts';
import {
  ResultFormatError,
  fromOfficialAnswersJson,
  officialFileNames,
  recordsFromCsv,
  recordsToCsv,
  toOfficialAnswersJson,
  toOfficialScoreJson,
} from '../core/resultFormats.ts';
import {
  binomialTest,
  bootstrapConfidenceIntervals,
  type BootstrapResult,
  type ConfidenceInterval,
} from '../core/statistics.ts';
import { METHODS } from '../core/types.ts';
import { OFFICIAL_MODE } from '../core/run/methods.ts';
import type { Answer, CaseRecord, Dataset, ImageSlot, Method, PairAnswers } from '../core/types.ts';
import type { RunRecord, RunStatus } from '../db/schema.ts';
import { ALL_DTYPES, type Device, type Dtype } from '../core/run/vocabulary.ts';

// ---------------------------------------------------------------------------------------------
// Constants

export const BOOTSTRAP_ITERATIONS = 2000;
export const BOOTSTRAP_SEED = 1;
export const CONFIDENCE_LEVEL = 0.95;
/** Random guessing gets a pair right with probability 1/2 · 1/2. */
export const CHANCE_SET_ACCURACY = 0.25;
export const SIGNIFICANCE_LEVEL = 0.05;

export const BUNDLE_FORMAT = 'mediconfusion-local-results';
export const BUNDLE_VERSION = 1;
export const RUN_CARD_FORMAT = 'mediconfusion-run-card';
export const RUN_CARD_VERSION = 1;

/** The paper's column order in Table 1. */
export const PAPER_METHOD_ORDER: readonly Method[] = ['MC', 'GD', 'FF', 'PS'];

const DEVICES: readonly Device[] = ['webgpu', 'wasm', 'cpu'];
const DTYPES = ALL_DTYPES;
const RUN_STATUSES: readonly RunStatus[] = ['running', 'paused', 'complete', 'cancelled', 'failed'];
const SOURCE_KINDS: readonly RunRecord['model']['sourceKind'][] = ['hub', 'path', 'files'];

/** Shown wherever an imported file did not say (e.g. the device of an official answers file). */
export const UNKNOWN = 'unknown';

export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  const text = JSON.stringify(x);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function isMethod(x: unknown): x is Method {
  return typeof x === 'string' && (METHODS as readonly string[]).includes(x);
}

// ---------------------------------------------------------------------------------------------
// Published results (paper Table 1 and Table 2, random guessing)

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

// ---------------------------------------------------------------------------------------------
// Metrics of one run

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

type MaybeStored = CaseRecord & { promptHash?: string; computedAt?: number };

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

// ---------------------------------------------------------------------------------------------
// Blind baseline

/** Whether a run is the blank-image sibling (blind baseline) of another run. */
export function isBlindRun(run: Pick<RunRecord, 'imageCondition' | 'runCard'>): boolean {
  return run.imageCondition === 'blank' || typeof run.runCard['blindOf'] === 'string';
}

/** The blank-image sibling of a run among the given runs (runCard.blindOf = the run's id), if any. */
export function blindSiblingOf<T extends Pick<RunRecord, 'id' | 'imageCondition' | 'runCard'>>(
  runs: readonly T[],
  runId: string,
): T | null {
  return runs.find((r) => isBlindRun(r) && r.runCard['blindOf'] === runId) ?? null;
}

/**
 * The blind-baseline table of a run: per GD/PS method answered in both runs, accuracy with the real
 * image, with the blank image, and the share of answers unchanged by the image (core blindBaseline,
 * on each run's effective cases).
 */
export function blindTableRows(
  dataset: Dataset,
  real: { run: Pick<RunRecord, 'promptHashes'>; cases: readonly MaybeStored[] },
  blank: { run: Pick<RunRecord, 'promptHashes'>; cases: readonly MaybeStored[] },
): BlindBaseline[] {
  const realCases = effectiveCases(real.run, real.cases);
  const blankCases = effectiveCases(blank.run, blank.cases);
  const rows: BlindBaseline[] = [];
  for (const method of ['GD', 'PS'] as const) {
    const row = blindBaseline(dataset, realCases, blankCases, method);
    if (row.casesCompared > 0) rows.push(row);
  }
  return rows;
}

/** The method whose per-category numbers Table 2 shows: the chosen one, or the best by set accuracy. */
export function categoryMethod(results: RunResults, choice: 'best' | Method): Method | null {
  if (choice !== 'best') return results.byMethod[choice] ? choice : null;
  return results.best.bestSetMethod;
}

// ---------------------------------------------------------------------------------------------
// Run card

export interface RunCardMethodSummary {
  setAccuracy: number;
  setAccuracyCI: [number, number];
  individualAccuracy: number;
  individualAccuracyCI: [number, number];
  confusion: number;
  invalidRate: number;
  pairsRun: number;
  /** One-sided binomial p of set accuracy against random guessing. */
  pValueVsRandom: number | null;
}

/** Everything needed to reproduce a run and judge its numbers, as one JSON object. */
export interface RunCard {
  format: typeof RUN_CARD_FORMAT;
  version: typeof RUN_CARD_VERSION;
  runId: string;
  label: string;
  status: RunStatus;
  imported: boolean;
  model: { id: string; revision: string; sourceKind: string };
  device: string;
  dtype: string;
  methods: Method[];
  promptHashes: Record<string, string>;
  engineVersion: string;
  dataset: { name: string; hash: string; pairs: number | null };
  browser: string | null;
  libraryVersions: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  coverage: RunCoverage | null;
  results: Partial<Record<Method, RunCardMethodSummary>> | null;
  best: BestAcrossMethods | null;
  statistics: {
    bootstrap: { iterations: number; seed: number; level: number; resampled: 'pairs' };
    vsRandom: { test: 'exact binomial, one-sided (greater)'; chanceSetAccuracy: number };
  };
  /** The run's free-form provenance as recorded (settings, fallbacks, import source…). */
  provenance: Record<string, unknown>;
}

function importedFrom(run: Pick<RunRecord, 'runCard'>): { unknownFields: string[] } | null {
  const from = run.runCard.importedFrom;
  if (!isObject(from)) return null;
  const unknown = Array.isArray(from.unknownFields)
    ? from.unknownFields.filter((f): f is string => typeof f === 'string')
    : [];
  return { unknownFields: unknown };
}

/** Model, device and dtype as known; fields an imported file did not give read "unknown". */
export function runSetup(run: RunRecord): {
  modelId: string;
  revision: string;
  sourceKind: string;
  device: string;
  dtype: string;
} {
  const unknown = new Set(importedFrom(run)?.unknownFields ?? []);
  const value = (field: string, v: string) => (unknown.has(field) || v === '' ? UNKNOWN : v);
  return {
    modelId: value('model.modelId', run.model.modelId),
    revision: value('model.revision', run.model.revision),
    sourceKind: value('model.sourceKind', run.model.sourceKind),
    device: value('device', run.device),
    dtype: value('dtype', run.dtype),
  };
}

function stringRecord(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(x)) return out;
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The browser the run was computed in, from whichever provenance key the run recorded it under. */
function browserOf(provenance: Record<string, unknown>): string | null {
  for (const key of ['browser', 'userAgent']) {
    const v = provenance[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  const env = provenance.environment;
  if (isObject(env) && typeof env.userAgent === 'string') return env.userAgent;
  return null;
}

function isoDate(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

export function buildRunCard(run: RunRecord, dataset: Dataset | null, results: RunResults | null): RunCard {
  const setup = runSetup(run);
  const comparable = dataset !== null && dataset.hash === run.datasetHash;
  let summary: RunCard['results'] = null;
  if (results) {
    summary = {};
    for (const m of results.methods) {
      const r = results.byMethod[m];
      if (!r) continue;
      summary[m] = {
        setAccuracy: r.metrics.setAccuracy,
        setAccuracyCI: [r.setAccuracyCI.lower, r.setAccuracyCI.upper],
        individualAccuracy: r.metrics.individualAccuracy,
        individualAccuracyCI: [r.individualAccuracyCI.lower, r.individualAccuracyCI.upper],
        confusion: r.metrics.confusion,
        invalidRate: r.metrics.invalidRate,
        pairsRun: r.metrics.counts.pairsRun,
        pValueVsRandom: r.vsRandom?.pValue ?? null,
      };
    }
  }
  const libraryVersions = stringRecord(run.runCard.libraryVersions);
  return {
    format: RUN_CARD_FORMAT,
    version: RUN_CARD_VERSION,
    runId: run.id,
    label: run.label,
    status: run.status,
    imported: run.imported,
    model: { id: setup.modelId, revision: setup.revision, sourceKind: setup.sourceKind },
    device: setup.device,
    dtype: setup.dtype,
    methods: runMethods(run, []),
    promptHashes: { ...run.promptHashes },
    engineVersion: run.engineVersion === '' ? UNKNOWN : run.engineVersion,
    dataset: {
      name: run.datasetName,
      hash: run.datasetHash,
      pairs: comparable ? dataset.pairs.length : null,
    },
    browser: browserOf(run.runCard),
    libraryVersions,
    createdAt: isoDate(run.createdAt),
    updatedAt: isoDate(run.updatedAt),
    coverage: results?.coverage ?? null,
    results: summary,
    best: results?.best ?? null,
    statistics: {
      bootstrap: {
        iterations: BOOTSTRAP_ITERATIONS,
        seed: BOOTSTRAP_SEED,
        level: CONFIDENCE_LEVEL,
        resampled: 'pairs',
      },
      vsRandom: { test: 'exact binomial, one-sided (greater)', chanceSetAccuracy: CHANCE_SET_ACCURACY },
    },
    provenance: { ...run.runCard },
  };
}

// ---------------------------------------------------------------------------------------------
// Export

export type ExportKind =
  | { kind: 'bundle' }
  | { kind: 'csv' }
  | { kind: 'run-card' }
  | { kind: 'official-answers'; method: Method }
  | { kind: 'official-score'; method: Method };

export interface ExportFile {
  fileName: string;
  mimeType: string;
  text: string;
}

/** Our own export: the run card plus every record, enough to rebuild the run on another machine. */
export interface ResultsBundle {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  runCard: RunCard;
  records: CaseRecord[];
}

/** The core record of a stored case, without its storage key, run id and timings. */
export function toCaseRecord(c: CaseRecord): CaseRecord {
  const r: CaseRecord = { pairId: c.pairId, slot: c.slot, method: c.method, answer: c.answer };
  if (c.probabilities) r.probabilities = { A: c.probabilities.A, B: c.probabilities.B };
  if (c.prefixScores) r.prefixScores = { A: c.prefixScores.A, B: c.prefixScores.B };
  if (c.tokenLogProbs) r.tokenLogProbs = { A: [...c.tokenLogProbs.A], B: [...c.tokenLogProbs.B] };
  if (c.generatedText !== undefined) r.generatedText = c.generatedText;
  if (c.judge) r.judge = { rawText: c.judge.rawText, scores: c.judge.scores ? { ...c.judge.scores } : null };
  return r;
}

/** A file-name-safe stem for a run: its model id plus a short run id, so exports do not collide. */
export function exportStem(run: Pick<RunRecord, 'id' | 'model'>): string {
  const model = run.model.modelId.replace(/[^A-Za-z0-9._-]/g, '_') || 'run';
  const id = run.id.replace(/[^A-Za-z0-9]/g, '').slice(-8);
  return id ? `${model}_${id}` : model;
}

export interface ExportInput {
  run: RunRecord;
  cases: readonly MaybeStored[];
  dataset: Dataset | null;
  results: RunResults | null;
}

function requireDataset(input: ExportInput, what: string): Dataset {
  const { dataset, run } = input;
  if (!dataset || dataset.hash !== run.datasetHash) {
    throw new ResultsError(
      `${what} needs the dataset the run answered ("${run.datasetName}", hash ${run.datasetHash}); load it first`,
    );
  }
  return dataset;
}

export function buildExport(kind: ExportKind, input: ExportInput): ExportFile {
  const { run } = input;
  const records = effectiveCases(run, input.cases).map(toCaseRecord);
  const stem = exportStem(run);
  switch (kind.kind) {
    case 'bundle': {
      const bundle: ResultsBundle = {
        format: BUNDLE_FORMAT,
        version: BUNDLE_VERSION,
        runCard: buildRunCard(run, input.dataset, input.results),
        records,
      };
      return {
        fileName: `${stem}.mediconfusion-results.json`,
        mimeType: 'application/json',
        text: JSON.stringify(bundle),
      };
    }
    case 'csv': {
      const dataset = requireDataset(input, 'The CSV (its correct_answer column)');
      return { fileName: `${stem}_records.csv`, mimeType: 'text/csv', text: recordsToCsv(records, dataset) };
    }
    case 'run-card':
      return {
        fileName: `${stem}_run-card.json`,
        mimeType: 'application/json',
        text: JSON.stringify(buildRunCard(run, input.dataset, input.results), null, 2),
      };
    case 'official-answers':
    case 'official-score': {
      const dataset = requireDataset(input, `The official ${OFFICIAL_MODE[kind.method]} file`);
      const names = officialFileNames(run.model.modelId, kind.method);
      // Indented like the official code's json.dump(..., indent=4).
      return kind.kind === 'official-answers'
        ? {
            fileName: names.answers,
            mimeType: 'application/json',
            text: JSON.stringify(toOfficialAnswersJson(dataset, records, kind.method), null, 4),
          }
        : {
            fileName: names.score,
            mimeType: 'application/json',
            text: JSON.stringify(toOfficialScoreJson(dataset, records, kind.method), null, 4),
          };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Import

export type ImportMethodChoice = 'auto' | Method;
export type ImportKind = 'bundle' | 'cli' | 'csv' | 'official';

export interface ImportedRun {
  kind: ImportKind;
  run: RunRecord;
  records: CaseRecord[];
}

const MODE_TO_METHOD: Readonly<Record<string, Method>> = Object.fromEntries(
  METHODS.map((m) => [OFFICIAL_MODE[m], m]),
);

/** `<key>_<mode>.json` → key and method; null when the name does not follow the official pattern. */
export function parseOfficialFileName(fileName: string): { modelKey: string; method: Method } | null {
  const base = fileName.replace(/^.*[\\/]/, '');
  const match = /^(.+)_(greedy|prefix|mc|gpt4)\.json$/i.exec(base);
  if (!match) return null;
  const method = MODE_TO_METHOD[(match[2] as string).toLowerCase()];
  return method ? { modelKey: match[1] as string, method } : null;
}

function baseName(fileName: string): string {
  return fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || fileName;
}

function numberPair(x: unknown, where: string): { A: number; B: number } {
  if (!isObject(x) || typeof x.A !== 'number' || typeof x.B !== 'number') {
    throw new ResultsError(`${where} must be {"A": number, "B": number} (got ${describe(x)})`);
  }
  return { A: x.A, B: x.B };
}

function numberList(x: unknown, where: string): number[] {
  if (!Array.isArray(x) || !x.every((v) => typeof v === 'number')) {
    throw new ResultsError(`${where} must be a list of numbers (got ${describe(x)})`);
  }
  return [...(x as number[])];
}

/** One record of a bundle, checked field by field; only the core record's fields are kept. */
export function recordFromJson(
  x: unknown,
  where: string,
  pairIds: ReadonlySet<string>,
  datasetName: string,
): CaseRecord {
  if (!isObject(x)) throw new ResultsError(`${where} must be an object (got ${describe(x)})`);
  const { pairId, slot, method, answer } = x;
  if (typeof pairId !== 'string' || pairId === '') {
    throw new ResultsError(`${where}: "pairId" must be a non-empty string (got ${describe(pairId)})`);
  }
  if (!pairIds.has(pairId))
    throw new ResultsError(`${where}: pair ${pairId} is not in dataset "${datasetName}"`);
  if (slot !== 1 && slot !== 2)
    throw new ResultsError(`${where}: "slot" must be 1 or 2 (got ${describe(slot)})`);
  if (!isMethod(method)) {
    throw new ResultsError(
      `${where}: "method" must be one of ${METHODS.join(', ')} (got ${describe(method)})`,
    );
  }
  if (answer !== 'A' && answer !== 'B' && answer !== null) {
    throw new ResultsError(
      `${where}: "answer" must be "A", "B" or null for invalid (got ${describe(answer)})`,
    );
  }
  const record: CaseRecord = { pairId, slot: slot as ImageSlot, method, answer };
  if (x.probabilities !== undefined)
    record.probabilities = numberPair(x.probabilities, `${where}.probabilities`);
  if (x.prefixScores !== undefined) record.prefixScores = numberPair(x.prefixScores, `${where}.prefixScores`);
  if (x.tokenLogProbs !== undefined) {
    const t = x.tokenLogProbs;
    if (!isObject(t)) throw new ResultsError(`${where}.tokenLogProbs must be {"A": [...], "B": [...]}`);
    record.tokenLogProbs = {
      A: numberList(t.A, `${where}.tokenLogProbs.A`),
      B: numberList(t.B, `${where}.tokenLogProbs.B`),
    };
  }
  if (x.generatedText !== undefined) {
    if (typeof x.generatedText !== 'string')
      throw new ResultsError(`${where}.generatedText must be a string`);
    record.generatedText = x.generatedText;
  }
  if (x.judge !== undefined) {
    const j = x.judge;
    if (!isObject(j) || typeof j.rawText !== 'string') {
      throw new ResultsError(`${where}.judge must be {"rawText": string, "scores": {A, B} or null}`);
    }
    record.judge = {
      rawText: j.rawText,
      scores: j.scores === null ? null : numberPair(j.scores, `${where}.judge.scores`),
    };
  }
  return record;
}

function checkPairIds(records: readonly CaseRecord[], dataset: Dataset, where: (i: number) => string): void {
  const ids = new Set(dataset.pairs.map((p) => p.id));
  records.forEach((r, i) => {
    if (!ids.has(r.pairId))
      throw new ResultsError(`${where(i)}: pair ${r.pairId} is not in dataset "${dataset.name}"`);
  });
}

function parseDate(x: unknown): number | null {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string') {
    const t = Date.parse(x);
    if (Number.isFinite(t)) return t;
  }
  return null;
}

interface CardFields {
  label: string | null;
  modelId: string | null;
  revision: string | null;
  sourceKind: RunRecord['model']['sourceKind'] | null;
  device: Device | null;
  dtype: Dtype | null;
  status: RunStatus | null;
  methods: Method[];
  promptHashes: Record<string, string>;
  engineVersion: string | null;
  createdAt: number | null;
  updatedAt: number | null;
  datasetHash: string | null;
  provenance: Record<string, unknown>;
}

/**
 * The fields of a run card we can use, from our own card or the CLI's (`scripts/eval.ts`), which
 * share their top-level keys. Anything missing or of the wrong type is simply unknown.
 */
function readCard(card: Record<string, unknown>): CardFields {
  const str = (x: unknown) => (typeof x === 'string' && x !== '' && x !== UNKNOWN ? x : null);
  const model = isObject(card.model) ? card.model : {};
  const dataset = isObject(card.dataset) ? card.dataset : {};
  const pick = <T extends string>(x: unknown, allowed: readonly T[]): T | null =>
    typeof x === 'string' && (allowed as readonly string[]).includes(x) ? (x as T) : null;
  // Our card keeps the original provenance apart; the CLI's card is all provenance.
  const provenance = isObject(card.provenance) ? { ...card.provenance } : { ...card };
  if (!isObject(card.provenance)) {
    for (const k of ['format', 'version', 'records']) delete provenance[k];
  }
  if (isObject(card.libraryVersions) && !('libraryVersions' in provenance)) {
    provenance.libraryVersions = card.libraryVersions;
  }
  if (typeof card.browser === 'string' && !('browser' in provenance)) provenance.browser = card.browser;
  return {
    label: str(card.label),
    modelId: str(model.id) ?? str(model.modelId),
    revision: str(model.revision),
    sourceKind: pick(model.sourceKind, SOURCE_KINDS),
    device: pick(card.device, DEVICES),
    dtype: pick(card.dtype, DTYPES),
    status: pick(card.status, RUN_STATUSES),
    methods: Array.isArray(card.methods)
      ? METHODS.filter((m) => (card.methods as unknown[]).includes(m))
      : [],
    promptHashes: stringRecord(card.promptHashes),
    engineVersion: str(card.engineVersion),
    createdAt: parseDate(card.createdAt) ?? parseDate(card.startedAt),
    updatedAt: parseDate(card.updatedAt) ?? parseDate(card.finishedAt),
    datasetHash: str(dataset.hash),
    provenance,
  };
}

interface RunDraft {
  kind: ImportKind;
  fileName: string;
  records: CaseRecord[];
  dataset: Dataset;
  now: number;
  card?: CardFields;
  label?: string;
  modelId?: string;
}

/** A run record for imported answers; what the file did not say is listed as unknown. */
function importedRun(d: RunDraft): RunRecord {
  const card = d.card;
  const unknownFields: string[] = [];
  const known = <T>(field: string, v: T | null | undefined, fallback: T): T => {
    if (v === null || v === undefined) {
      unknownFields.push(field);
      return fallback;
    }
    return v;
  };
  const methods = METHODS.filter(
    (m) => (card?.methods ?? []).includes(m) || d.records.some((r) => r.method === m),
  );
  // Same file (same answers and card) → same id, so importing it twice replaces, not duplicates.
  const id = `imported-${stableHash({ kind: d.kind, card: card ?? null, records: d.records })}`;
  const promptHashes: Record<string, string> = {};
  for (const m of methods) {
    const h = card?.promptHashes[m];
    if (h !== undefined) promptHashes[m] = h;
  }
  return {
    id,
    label: card?.label ?? d.label ?? baseName(d.fileName),
    datasetHash: d.dataset.hash,
    datasetName: d.dataset.name,
    model: {
      sourceKind: known('model.sourceKind', card?.sourceKind, 'files'),
      modelId: known('model.modelId', card?.modelId ?? d.modelId, baseName(d.fileName)),
      revision: known('model.revision', card?.revision, ''),
    },
    device: known('device', card?.device, 'wasm'),
    dtype: known('dtype', card?.dtype, 'fp32'),
    methods,
    promptHashes,
    engineVersion: known('engineVersion', card?.engineVersion, ''),
    status: card?.status ?? 'complete',
    createdAt: card?.createdAt ?? d.now,
    updatedAt: card?.updatedAt ?? card?.createdAt ?? d.now,
    runCard: {
      ...(card?.provenance ?? {}),
      importedFrom: {
        kind: d.kind,
        fileName: d.fileName,
        importedAt: new Date(d.now).toISOString(),
        unknownFields,
      },
    },
    imported: true,
  };
}

function parseJsonText(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text);
    throw new ResultsError(
      `${fileName} is not valid JSON (line ${at.line}, column ${at.column}): ${(e as Error).message}`,
    );
  }
}

function parseBundleLike(
  data: Record<string, unknown>,
  kind: 'bundle' | 'cli',
  fileName: string,
  dataset: Dataset,
  now: number,
): ImportedRun {
  const what = kind === 'bundle' ? 'results bundle' : 'command-line results file';
  if (!isObject(data.runCard)) throw new ResultsError(`${fileName}: ${what} has no "runCard" object`);
  if (!Array.isArray(data.records)) throw new ResultsError(`${fileName}: ${what} has no "records" list`);
  const card = readCard(data.runCard);
  if (card.datasetHash === null) {
    throw new ResultsError(
      `${fileName}: runCard.dataset.hash is missing, so the question set cannot be checked`,
    );
  }
  if (card.datasetHash !== dataset.hash) {
    const name = isObject(data.runCard.dataset) ? String(data.runCard.dataset.name ?? '') : '';
    throw new ResultsError(
      `${fileName} answers dataset ${name ? `"${name}" ` : ''}(hash ${card.datasetHash}), but the loaded dataset ` +
        `"${dataset.name}" has hash ${dataset.hash}. Load the dataset the results were computed on first.`,
    );
  }
  if (data.records.length === 0) throw new ResultsError(`${fileName}: "records" is empty`);
  const ids = new Set(dataset.pairs.map((p) => p.id));
  const records = data.records.map((r, i) =>
    recordFromJson(r, `${fileName}: records[${i}]`, ids, dataset.name),
  );
  return { kind, records, run: importedRun({ kind, fileName, records, dataset, now, card }) };
}

/**
 * Reads an imported results file: our bundle, the CLI's output, a per-case CSV, or an official
 * `<key>_<mode>.json` answers file (method from the name unless chosen). Throws ResultsError
 * saying exactly what is wrong; nothing is returned for a file with any error.
 */
export function parseResultsFile(
  text: string,
  fileName: string,
  dataset: Dataset,
  options: { method?: ImportMethodChoice; now?: number } = {},
): ImportedRun {
  const now = options.now ?? Date.now();
  const body = text.replace(/^\uFEFF/, '');
  const first = body.trimStart()[0];
  const looksJson = first === '{' || first === '[';
  if (/\.csv$/i.test(fileName) || (!looksJson && !/\.json$/i.test(fileName))) {
    let records: CaseRecord[];
    try {
      records = recordsFromCsv(body);
    } catch (e) {
      if (e instanceof ResultFormatError) throw new ResultsError(`${fileName}: ${e.message}`);
      throw e;
    }
    if (records.length === 0) throw new ResultsError(`${fileName}: the results CSV has a header but no rows`);
    // Row numbers as recordsFromCsv counts them (first data row = 1).
    checkPairIds(records, dataset, (i) => `${fileName}: results CSV row ${i + 1}`);
    const label = baseName(fileName);
    return {
      kind: 'csv',
      records,
      run: importedRun({
        kind: 'csv',
        fileName,
        records,
        dataset,
        now,
        label,
        modelId: label.replace(/_records$/, ''),
      }),
    };
  }

  const data = parseJsonText(body, fileName);
  if (!isObject(data))
    throw new ResultsError(
      `${fileName}: expected a JSON object, got ${Array.isArray(data) ? 'a list' : describe(data)}`,
    );
  if (data.format !== undefined) {
    if (data.format === RUN_CARD_FORMAT) {
      throw new ResultsError(
        `${fileName} is a run card: it describes a run but holds no answers. Import the results bundle or CSV instead.`,
      );
    }
    if (data.format !== BUNDLE_FORMAT) {
      throw new ResultsError(
        `${fileName}: unknown format ${describe(data.format)} (expected "${BUNDLE_FORMAT}")`,
      );
    }
    if (data.version !== BUNDLE_VERSION) {
      throw new ResultsError(
        `${fileName}: results bundle version ${describe(data.version)} is not supported (this app reads version ${BUNDLE_VERSION})`,
      );
    }
    return parseBundleLike(data, 'bundle', fileName, dataset, now);
  }
  if (isObject(data.runCard) && Array.isArray(data.records))
    return parseBundleLike(data, 'cli', fileName, dataset, now);
  if (/_score\.json$/i.test(fileName) || (isObject(data.set_score) && isObject(data.individual_score))) {
    throw new ResultsError(
      `${fileName} is an official score file (sums only, no answers). Import the answers file ` +
        `(<model>_<mode>.json) instead.`,
    );
  }

  const fromName = parseOfficialFileName(fileName);
  const chosen = options.method && options.method !== 'auto' ? options.method : null;
  const method = chosen ?? fromName?.method ?? null;
  if (method === null) {
    throw new ResultsError(
      `${fileName}: cannot tell which method these official answers are from. Name the file ` +
        `<model>_greedy.json, _prefix.json, _mc.json or _gpt4.json, or choose the method before importing.`,
    );
  }
  if (Object.keys(data).length === 0) throw new ResultsError(`${fileName}: the answers file has no pairs`);
  let answers: PairAnswers;
  try {
    answers = fromOfficialAnswersJson(data, dataset, method);
  } catch (e) {
    if (e instanceof ResultFormatError) throw new ResultsError(`${fileName}: ${e.message}`);
    throw e;
  }
  const records: CaseRecord[] = [];
  for (const pair of dataset.pairs) {
    const a = answers.get(pair.id);
    if (!a) continue;
    for (const slot of [1, 2] as const) {
      const answer = a[slot];
      if (answer !== undefined) records.push({ pairId: pair.id, slot, method, answer });
    }
  }
  const modelKey = fromName?.modelKey ?? baseName(fileName);
  return {
    kind: 'official',
    records,
    run: importedRun({
      kind: 'official',
      fileName,
      records,
      dataset,
      now,
      label: `${modelKey} (${method}, official file)`,
      modelId: modelKey,
    }),
  };
}
