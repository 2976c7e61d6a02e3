// The run store's pure half: what the Run tab's choices mean as a core/run RunSetup, the run record
// a start writes (label, model, provenance for the run card), and what a finished engine run adds
// to its card (the scoring report, the preprocessing used, the image views measured).
import { formatCount } from '../core/datasetFields.ts';
import { familyById } from '../core/modelFamilies.ts';
import type { FreeFormSetup, RunIdentity, RunSetup } from '../core/run/identity.ts';
import { DEFAULT_LETTER_RULE, LETTER_RULE_SPECS, type LetterRule } from '../core/run/letterRules.ts';
import { plannedCases, type ImageGroup } from '../core/run/plan.ts';
import type { RunRecord } from '../core/run/records.ts';
import {
  runPreprocessing,
  type ModelPreprocessing,
  type PreprocessingChoice,
} from '../core/run/preprocessing.ts';
import { scoringReport, type Device } from '../core/run/vocabulary.ts';
import type { RunOutcome } from '../../workers/engine/protocol.ts';
import { METHODS, type Dataset, type Method } from '../core/types.ts';
import type { LoadedModelView } from './modelStore.ts';
import type { ReadableError } from './engineClient.ts';
import type { PairSelection } from '../core/run/selection.ts';

export interface AppRunChoice {
  dataset: Pick<Dataset, 'hash'>;
  model: {
    modelId: string;
    revision: string;
    dtype: string;
    device: Device;
    family: string;
    preprocessing?: ModelPreprocessing;
  };
  methods: readonly Method[];
  /** The loaded judge and the FF settings, when one is loaded. */
  freeForm: FreeFormSetup | null;
  /** Absent: the model's default. */
  preprocessing?: PreprocessingChoice;
  /** Which tokens GD reads as the letters; absent: the official rule. */
  letterRule?: LetterRule;
}

export function appRunSetup(choice: AppRunChoice): RunSetup {
  return {
    datasetHash: choice.dataset.hash,
    modelId: choice.model.modelId,
    revision: choice.model.revision,
    dtype: choice.model.dtype,
    device: choice.model.device,
    family: familyById(choice.model.family),
    methods: choice.methods,
    freeForm: choice.freeForm,
    preprocessing: runPreprocessing(choice.model.preprocessing, choice.preprocessing ?? 'default'),
    letterRule: choice.letterRule ?? DEFAULT_LETTER_RULE,
  };
}

/**
 * The run record's label: model, dtype, device (and single view, the blank image for the blind
 * baseline, and GD's letter rule when it is not the official one: such GD numbers are not the paper's).
 */
export function runLabel(identity: RunIdentity): string {
  const { modelId, dtype, device } = identity.key;
  const view = identity.preprocessing?.choice === 'single-view' ? ' · single view' : '';
  const letters =
    identity.letterRule === DEFAULT_LETTER_RULE
      ? ''
      : ` · GD letters ${LETTER_RULE_SPECS[identity.letterRule].label}`;
  return `${modelId} · ${dtype} · ${device}${view}${identity.imageCondition === 'blank' ? ' · blank image' : ''}${letters}`;
}

/** The Run tab's settings a start was made with (kept in the run card, restored after a reload). */
export interface StartedWith {
  methods: Method[];
  blind: boolean;
  selection: PairSelection;
}

/** The settings a run record kept, if they are readable. */
export function startedWithOf(run: Pick<RunRecord, 'runCard'>): StartedWith | null {
  const s = run.runCard['startedWith'] as Partial<StartedWith> | undefined;
  if (!s || !Array.isArray(s.methods) || typeof s.blind !== 'boolean' || typeof s.selection !== 'object') {
    return null;
  }
  return {
    methods: METHODS.filter((m) => (s.methods as unknown[]).includes(m)),
    blind: s.blind,
    selection: s.selection as PairSelection,
  };
}

/** The record a start writes: the run's identity and provenance, merged with what an earlier session stored. */
export function newRunRecord(
  identity: RunIdentity,
  dataset: Pick<Dataset, 'hash' | 'name'>,
  loaded: LoadedModelView,
  existing: RunRecord | undefined,
  now: number,
  /** This start's pairs in words, and its settings (a reload restores them from the record). */
  session?: { pairSelection: string; startedWith: StartedWith },
): RunRecord {
  const { runId, key, methods, promptHashes } = identity;
  const blank = identity.imageCondition === 'blank';
  return {
    id: runId,
    label: runLabel(identity),
    datasetHash: dataset.hash,
    datasetName: dataset.name,
    model: {
      sourceKind: loaded.identity.sourceKind,
      modelId: key.modelId,
      revision: key.revision,
    },
    device: key.device,
    dtype: key.dtype,
    methods: METHODS.filter((m) => methods.includes(m) || (existing?.methods ?? []).includes(m)),
    promptHashes: { ...(existing?.promptHashes ?? {}), ...promptHashes },
    engineVersion: key.engineVersion,
    status: 'running',
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    runCard: {
      ...(existing?.runCard ?? {}),
      family: loaded.info.family,
      architecture: loaded.info.architecture,
      modelFiles: loaded.info.files,
      libraryVersions: loaded.info.libraryVersions,
      ...(loaded.info.fallbackReason ? { fallbackReason: loaded.info.fallbackReason } : {}),
      userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : 'unknown',
      ...(identity.blindOf ? { blindOf: identity.blindOf, imageCondition: 'blank' } : {}),
      ...(identity.freeForm ? { freeFormJudge: identity.freeForm } : {}),
      ...(identity.preprocessing ? { preprocessing: identity.preprocessing } : {}),
      ...(loaded.info.letterSpellings ? { letterSpellings: loaded.info.letterSpellings } : {}),
      ...(session ? { pairSelection: session.pairSelection, startedWith: session.startedWith } : {}),
    },
    imported: false,
    ...(blank ? { imageCondition: 'blank' as const } : {}),
    ...(identity.letterRule !== DEFAULT_LETTER_RULE ? { letterRule: identity.letterRule } : {}),
  };
}

/**
 * The run card after an engine run: the scoring mode that ran, the preprocessing the engine read
 * from its image processor, and the image views measured, added to those of earlier sessions of the
 * same run (keyed by image, so an image measured twice counts once).
 */
export function runCardAfterRun(runCard: RunRecord['runCard'], outcome: RunOutcome): RunRecord['runCard'] {
  const earlier = runCard.imageViewsByImage;
  return {
    ...runCard,
    scoring: scoringReport(outcome),
    ...(outcome.preprocessing ? { preprocessing: outcome.preprocessing } : {}),
    ...(outcome.imageViews
      ? {
          imageViewsByImage: {
            ...(typeof earlier === 'object' && earlier !== null ? earlier : {}),
            ...outcome.imageViews,
          },
        }
      : {}),
  };
}

/**
 * An out-of-memory error says what was being processed: the case after the `done` finished ones
 * of this session's plan (the engine computes them in plan order), with the length of its text,
 * and the advice fits (a long text, not the dtype, may be the cause).
 */
export function explainOutOfMemory(
  error: ReadableError,
  dataset: Pick<Dataset, 'pairs'>,
  images: readonly ImageGroup[] | null,
  done: number,
): ReadableError {
  if (error.kind !== 'out-of-memory') return error;
  const next = images ? plannedCases(images)[done] : undefined;
  if (!next) return { ...error, message: `${error.message} (while loading the run, before its first case)` };
  const pair = dataset.pairs.find((p) => p.id === next.pairId);
  const chars = pair ? pair.question.length + pair.optionA.length + pair.optionB.length : 0;
  const what =
    `while computing pair ${next.pairId}, image ${next.slot}, ${next.method}` +
    (pair ? ` (question and options: ${formatCount(chars)} characters)` : '');
  return {
    ...error,
    message: `${error.message} — ${what}`,
    ...(chars > 1000
      ? {
          hint:
            `Pair ${next.pairId} has an unusually long text: shorten it in the dataset, or leave it out ` +
            '(run part of the benchmark), before trying a smaller dtype.',
        }
      : {}),
  };
}
