// The run card: everything needed to reproduce a run and judge its numbers, as one JSON object
// (buildRunCard), and a run's setup as known (runSetup; fields an import did not state are unknown).
import { runName } from '../run/runName.ts';
import type { BestAcrossMethods } from '../metrics.ts';
import type { Dataset, Method } from '../types.ts';
import type { RunRecord, RunStatus } from '../run/records.ts';
import { DEFAULT_LETTER_RULE, type LetterRule } from '../run/letterRules.ts';
import type { ScoringReport } from '../run/vocabulary.ts';
import {
  imageViewRange,
  isPreprocessingChoice,
  type ImageViewCount,
  type ImageViewRange,
  type RunPreprocessing,
} from '../run/preprocessing.ts';
import { isObject, stringRecord } from './jsonShape.ts';
import {
  BOOTSTRAP_ITERATIONS,
  BOOTSTRAP_SEED,
  CHANCE_SET_ACCURACY,
  CONFIDENCE_LEVEL,
  runMethods,
  type RunCoverage,
  type RunResults,
} from './runResults.ts';

export const RUN_CARD_FORMAT = 'mediconfusion-run-card';
export const RUN_CARD_VERSION = 1;

/** Shown wherever an imported file did not say (e.g. the device of an official answers file). */
export const UNKNOWN = 'unknown';

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
  /** The run's name as listed (the user's, else model · dtype · device · methods · date). */
  name: string;
  status: RunStatus;
  imported: boolean;
  model: { id: string; revision: string; sourceKind: string };
  device: string;
  dtype: string;
  methods: Method[];
  /** Which tokens GD read as the letters (core/run/letterRules); "unknown" for an import that does not say. */
  letterRule: LetterRule | typeof UNKNOWN;
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
  /** The scoring mode that actually ran and why (runCard.scoring); null when not recorded or malformed. */
  scoring: ScoringReport | null;
  /** The image preprocessing the run used (runCard.preprocessing); null when not recorded or malformed. */
  preprocessing: RunPreprocessing | null;
  /** Image tokens and views per image over the images measured (runCard.imageViewsByImage); null: none. */
  imageViews: ImageViewRange | null;
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

const SCORING_MODES: readonly string[] = ['cached', 'full'];

/** The run's recorded scoring report, checked field by field; null when absent or of any other shape. */
export function scoringOf(run: Pick<RunRecord, 'runCard'>): ScoringReport | null {
  const x = run.runCard.scoring;
  if (!isObject(x)) return null;
  const { modeRequested, modeUsed, modeReason, cacheCheck } = x;
  if (typeof modeRequested !== 'string' || !SCORING_MODES.includes(modeRequested)) return null;
  if (typeof modeUsed !== 'string' || !SCORING_MODES.includes(modeUsed)) return null;
  if (modeReason !== undefined && typeof modeReason !== 'string') return null;
  const report: ScoringReport = {
    modeRequested: modeRequested as ScoringReport['modeRequested'],
    modeUsed: modeUsed as ScoringReport['modeUsed'],
  };
  if (modeReason !== undefined) report.modeReason = modeReason;
  if (cacheCheck !== undefined) {
    if (
      !isObject(cacheCheck) ||
      typeof cacheCheck.passed !== 'boolean' ||
      typeof cacheCheck.maxProbDiff !== 'number' ||
      typeof cacheCheck.cases !== 'number'
    ) {
      return null;
    }
    report.cacheCheck = {
      passed: cacheCheck.passed,
      maxProbDiff: cacheCheck.maxProbDiff,
      cases: cacheCheck.cases,
      // Recorded since the tolerance became the dtype's (core/run/cacheCheck); older runs lack them.
      ...(typeof cacheCheck.tolerance === 'number' ? { tolerance: cacheCheck.tolerance } : {}),
      ...(typeof cacheCheck.toleranceDtype === 'string' ? { toleranceDtype: cacheCheck.toleranceDtype } : {}),
      ...(typeof cacheCheck.exactDecisions === 'boolean'
        ? { exactDecisions: cacheCheck.exactDecisions }
        : {}),
    };
  }
  return report;
}

/** The run's recorded preprocessing, checked field by field; null when absent or of any other shape. */
export function preprocessingOf(run: Pick<RunRecord, 'runCard'>): RunPreprocessing | null {
  const x = run.runCard.preprocessing;
  if (!isObject(x) || !isPreprocessingChoice(x.choice) || typeof x.modelDefault !== 'boolean') return null;
  if (!isObject(x.settings)) return null;
  const settings: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(x.settings)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      settings[k] = v;
  }
  return { choice: x.choice, settings, modelDefault: x.modelDefault };
}

/** The image views measured per image (local id → tokens and views), malformed entries dropped. */
export function imageViewsOf(run: Pick<RunRecord, 'runCard'>): Record<string, ImageViewCount> {
  const x = run.runCard.imageViewsByImage;
  const out: Record<string, ImageViewCount> = {};
  if (!isObject(x)) return out;
  for (const [id, c] of Object.entries(x)) {
    if (isObject(c) && typeof c.tokens === 'number' && typeof c.crops === 'number') {
      out[id] = { tokens: c.tokens, crops: c.crops };
    }
  }
  return out;
}

/** The run's GD letter rule: recorded, else official, else unknown where an import did not say. */
export function letterRuleOf(run: RunRecord): LetterRule | typeof UNKNOWN {
  if (run.letterRule) return run.letterRule;
  return importedFrom(run)?.unknownFields.includes('letterRule') ? UNKNOWN : DEFAULT_LETTER_RULE;
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
    name: runName(run),
    status: run.status,
    imported: run.imported,
    model: { id: setup.modelId, revision: setup.revision, sourceKind: setup.sourceKind },
    device: setup.device,
    dtype: setup.dtype,
    methods: runMethods(run, []),
    letterRule: letterRuleOf(run),
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
    scoring: scoringOf(run),
    preprocessing: preprocessingOf(run),
    imageViews: imageViewRange(imageViewsOf(run)),
    provenance: { ...run.runCard },
  };
}
