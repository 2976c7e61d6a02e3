// The run store's pure half: what the Run tab's choices mean as a core/run RunSetup, the run record
// a start writes (label, model, provenance for the run card), and what a finished engine run adds
// to its card (the scoring report, the preprocessing used, the image views measured).
import { familyById } from '../core/modelFamilies.ts';
import type { FreeFormSetup, RunIdentity, RunSetup } from '../core/run/identity.ts';
import { DEFAULT_LETTER_RULE, LETTER_RULE_SPECS, type LetterRule } from '../core/run/letterRules.ts';
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

/** The record a start writes: the run's identity and provenance, merged with what an earlier session stored. */
export function newRunRecord(
  identity: RunIdentity,
  dataset: Pick<Dataset, 'hash' | 'name'>,
  loaded: LoadedModelView,
  existing: RunRecord | undefined,
  now: number,
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
