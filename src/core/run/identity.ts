// The run's identity: from what the user chose (dataset, model, dtype, device, methods, FF judge,
// image preprocessing, GD letter rule) to the run id and the prompt hash of every method, and the blind baseline's identity derived
// from it. The app's store and the CLI both call runIdentity, so the same choice always gives the
// same run id, prompt hashes and case keys wherever it is run.
import { stableHash } from '../hash.ts';
import type { ModelFamily } from '../modelFamilies.ts';
import { promptTemplateHash } from '../prompts.ts';
import { METHODS, type Method } from '../types.ts';
import { DEFAULT_LETTER_RULE, type LetterRule } from './letterRules.ts';
import { BLIND_METHODS } from './methods.ts';
import type { PreprocessingSettings, RunPreprocessing } from './preprocessing.ts';
import type { Device, ImageCondition } from './vocabulary.ts';

/** Bumped whenever a change to the engine could change a stored number; part of every run id. */
export const ENGINE_VERSION = '1';

/** What identifies the FF judge in FF's prompt hash (a local folder's revision is its fingerprint). */
export interface JudgeIdentity {
  modelId: string;
  revision: string;
  dtype: string;
}

/** FF's settings: the answer length and the judge's score gap that picks an option. */
export interface FreeFormSettings {
  maxNewTokens: number;
  threshold: number;
}

export interface FreeFormSetup extends FreeFormSettings {
  judge: JudgeIdentity;
}

/** What the user chose: everything that decides which numbers a run produces. */
export interface RunSetup {
  datasetHash: string;
  modelId: string;
  revision: string;
  /** The dtype, or "file=dtype,…" for a per-file mix (dtypes.ts dtypeLabel). */
  dtype: string;
  device: Device;
  /** The model's family (its prompt templates are part of the prompt hashes); null: the defaults. */
  family: ModelFamily | null;
  methods: readonly Method[];
  /** Required when methods include FF. */
  freeForm?: FreeFormSetup | null;
  /** The image preprocessing (preprocessing.ts runPreprocessing); absent: the model's default. */
  preprocessing?: RunPreprocessing | null;
  /** Which tokens GD reads as the letters (core/run/letterRules); absent: the official rule. Ignored without GD. */
  letterRule?: LetterRule;
}

/** The fields hashed into the run id. */
export interface RunKey {
  datasetHash: string;
  modelId: string;
  revision: string;
  dtype: string;
  device: Device;
  engineVersion: string;
  /**
   * The image preprocessing settings, only when they are not the model's default: a run with the
   * model's own preprocessing keeps the run id it had before preprocessing was recorded.
   */
  preprocessing?: PreprocessingSettings;
  /** Only when it is not the official rule, so every run id made before the rule existed stays valid. */
  letterRule?: LetterRule;
}

/** One run to execute: the main (real-image) run or its blank-image sibling. */
export interface RunIdentity {
  runId: string;
  key: RunKey;
  /** In the fixed METHODS order. */
  methods: Method[];
  /** Prompt hash per method; FF's includes the judge and the FF settings. */
  promptHashes: Record<string, string>;
  imageCondition: ImageCondition;
  /** The image preprocessing (its choice is what the engine is asked for); null: the model's default, unreported. */
  preprocessing: RunPreprocessing | null;
  /** For the blank-image sibling: the main run's id. */
  blindOf: string | null;
  freeForm: FreeFormSetup | null;
  letterRule: LetterRule;
}

export class RunSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunSetupError';
  }
}

/**
 * The FF prompt hash: the FF template hash plus the judge and the FF settings. Case keys carry a
 * prompt hash per method, and results keep only cases whose hash matches the run's, so FF cases
 * judged by another judge or with other settings are neither reused nor mixed into the numbers,
 * while GD/PS/MC keep the same run id whatever judge is loaded.
 */
export function freeFormPromptHash(templateHash: string, freeForm: FreeFormSetup): string {
  const { judge } = freeForm;
  return stableHash({
    template: templateHash,
    judge: { modelId: judge.modelId, revision: judge.revision, dtype: judge.dtype },
    maxNewTokens: freeForm.maxNewTokens,
    threshold: freeForm.threshold,
  });
}

/**
 * GD's prompt hash: the template hash, plus the letter rule when it is not the official one (so the
 * official rule's GD cases keep the hash they always had).
 */
export function letterRulePromptHash(templateHash: string, rule: LetterRule): string {
  return rule === DEFAULT_LETTER_RULE
    ? templateHash
    : stableHash({ template: templateHash, letterRule: rule });
}

export function computeRunId(key: RunKey): string {
  const { datasetHash, modelId, revision, dtype, device, engineVersion, preprocessing, letterRule } = key;
  return stableHash({
    datasetHash,
    modelId,
    revision,
    dtype,
    device,
    engineVersion,
    ...(preprocessing ? { preprocessing } : {}),
    ...(letterRule !== undefined && letterRule !== DEFAULT_LETTER_RULE ? { letterRule } : {}),
  });
}

/** The identity of the run the user chose. */
export function runIdentity(setup: RunSetup): RunIdentity {
  const methods = METHODS.filter((m) => setup.methods.includes(m));
  if (methods.length === 0) throw new RunSetupError('Choose at least one method.');
  const freeForm = methods.includes('FF') ? (setup.freeForm ?? null) : null;
  if (methods.includes('FF') && !freeForm)
    throw new RunSetupError('FF needs a judge model (a small text-only instruct model).');
  // The letter rule changes only GD's numbers: a run without GD is the official-rule run.
  const letterRule = methods.includes('GD') ? (setup.letterRule ?? DEFAULT_LETTER_RULE) : DEFAULT_LETTER_RULE;
  const key: RunKey = {
    datasetHash: setup.datasetHash,
    modelId: setup.modelId,
    revision: setup.revision,
    dtype: setup.dtype,
    device: setup.device,
    engineVersion: ENGINE_VERSION,
    ...(letterRule !== DEFAULT_LETTER_RULE ? { letterRule } : {}),
  };
  const preprocessing = setup.preprocessing ?? null;
  if (preprocessing && !preprocessing.modelDefault) key.preprocessing = preprocessing.settings;
  const promptHashes: Record<string, string> = {};
  for (const m of methods) {
    const template = promptTemplateHash(m, setup.family);
    promptHashes[m] =
      m === 'FF'
        ? freeFormPromptHash(template, freeForm!)
        : m === 'GD'
          ? letterRulePromptHash(template, letterRule)
          : template;
  }
  return {
    runId: computeRunId(key),
    key,
    methods,
    promptHashes,
    imageCondition: 'real',
    preprocessing,
    blindOf: null,
    freeForm,
    letterRule,
  };
}

/**
 * The blind baseline's identity: the same key plus `imageCondition: 'blank'` in the run id, so the
 * blank-image sibling of a run is cached and resumable like any run and never mixes with the
 * real-image one. Null when the run has no method the blind baseline asks.
 */
export function blindIdentity(main: RunIdentity): RunIdentity | null {
  const methods = main.methods.filter((m) => BLIND_METHODS.includes(m));
  if (methods.length === 0) return null;
  return {
    runId: stableHash({ ...main.key, imageCondition: 'blank' }),
    key: main.key,
    methods,
    promptHashes: Object.fromEntries(methods.map((m) => [m, main.promptHashes[m] ?? ''])),
    imageCondition: 'blank',
    preprocessing: main.preprocessing,
    blindOf: main.runId,
    freeForm: null,
    letterRule: main.letterRule,
  };
}
