// The command line's evaluation with a model already loaded: the run's identity and plan from
// src/core/run (the same functions the app's store calls, so the CLI and the app give a run the
// same id, prompt hashes and case keys), the engine run, the blind baseline, metrics, and the run
// card with the scoring mode that actually ran, the image preprocessing and the views measured. scripts/eval.ts parses flags and writes files.
import { blindBaseline, type BlindBaseline } from '../../src/core/blind.ts';
import { computeMetrics, pairAnswersFromRecords, type MethodMetrics } from '../../src/core/metrics.ts';
import { modelSimilarityReport, type ModelSimilarityReport } from '../../src/core/results/modelSimilarity.ts';
import type { ImageEmbedding } from '../../src/core/run/records.ts';
import { familyById } from '../../src/core/modelFamilies.ts';
import {
  blindIdentity,
  runIdentity,
  type FreeFormSetup,
  type RunIdentity,
  type RunSetup,
} from '../../src/core/run/identity.ts';
import { DEFAULT_LETTER_RULE, type LetterRule } from '../../src/core/run/letterRules.ts';
import { planRun, type RunPlan } from '../../src/core/run/plan.ts';
import {
  imageViewRange,
  paperComparability,
  runPreprocessing,
  type PreprocessingChoice,
} from '../../src/core/run/preprocessing.ts';
import { scoringReport, type ScoringMode, type ScoringReport } from '../../src/core/run/vocabulary.ts';
import type { CaseRecord, ConfusionPair, Dataset, Method } from '../../src/core/types.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import type { ImageProblem, LoadedModelInfo, RunOutcome } from '../../workers/engine/protocol.ts';
import type { ImageLoader, RunOptions } from '../../workers/engine/runner.ts';
import type { FreeFormJudge } from '../../workers/engine/scorer.ts';
import type { NodeEngine } from './nodeEngine.ts';

type ModelChoice = Pick<LoadedModelInfo, 'modelId' | 'revision' | 'dtype' | 'device' | 'family'> &
  Partial<Pick<LoadedModelInfo, 'preprocessing'>>;

/** The CLI's choices as a core/run RunSetup. */
export function cliRunSetup(
  dataset: Pick<Dataset, 'hash'>,
  model: ModelChoice,
  methods: readonly Method[],
  freeForm: FreeFormSetup | null,
  preprocessing: PreprocessingChoice = 'default',
  letterRule: LetterRule = DEFAULT_LETTER_RULE,
): RunSetup {
  return {
    datasetHash: dataset.hash,
    modelId: model.modelId,
    revision: model.revision,
    dtype: model.dtype,
    device: model.device,
    family: familyById(model.family),
    methods,
    freeForm,
    preprocessing: runPreprocessing(model.preprocessing, preprocessing),
    letterRule,
  };
}

/** The CLI's run (and blind sibling) and their plans: every case of the chosen pairs. */
export function planEvaluation(
  dataset: Pick<Dataset, 'hash'>,
  pairs: readonly ConfusionPair[],
  model: ModelChoice,
  methods: readonly Method[],
  freeForm: FreeFormSetup | null,
  withBlind: boolean,
  preprocessing: PreprocessingChoice = 'default',
  letterRule: LetterRule = DEFAULT_LETTER_RULE,
): { identity: RunIdentity; plan: RunPlan; blind: RunIdentity | null; blindPlan: RunPlan | null } {
  const identity = runIdentity(cliRunSetup(dataset, model, methods, freeForm, preprocessing, letterRule));
  // Every image is offered: the runner reports an absent or unreadable file as not run.
  const everyImage = new Set(pairs.flatMap((p) => [p.im1Local, p.im2Local]));
  const planOf = (id: RunIdentity) =>
    planRun({ identity: id, pairs, presentImageIds: everyImage, storedKeys: new Set() });
  const blind = withBlind ? blindIdentity(identity) : null;
  return { identity, plan: planOf(identity), blind, blindPlan: blind ? planOf(blind) : null };
}

export interface EvaluateOptions {
  dataset: Dataset;
  /** The pairs to run (all, or the first n). */
  pairs: ConfusionPair[];
  methods: Method[];
  mode: ScoringMode;
  images: ImageLoader;
  blind: boolean;
  /** 'single-view': image splitting off (a speed setting; its runs have their own id). */
  preprocessing?: PreprocessingChoice;
  /** Which tokens GD reads as the letters (default: the official rule). */
  letterRule?: LetterRule;
  /** FF's judge: its identity and settings, and the function that judges an answer. */
  freeForm: (FreeFormSetup & { judgeAnswer: FreeFormJudge; judgeInfo: Record<string, unknown> }) | null;
  onProgress?: RunOptions['onProgress'];
  onImageProblem?: (problem: ImageProblem) => void;
}

export interface Evaluation {
  identity: RunIdentity;
  blind: RunIdentity | null;
  outcome: RunOutcome;
  records: CaseRecord[];
  blindRecords: CaseRecord[];
  metrics: Record<string, MethodMetrics>;
  blindBaseline: Partial<Record<Method, BlindBaseline>>;
  runCard: Record<string, unknown> & { scoring: ScoringReport };
  /** The model's own similarity of each pair's images, from the run's encodes (null: none kept). */
  modelSimilarity: ModelSimilarityReport | null;
}

export async function evaluate(
  engine: NodeEngine,
  lm: LoadedModel,
  opts: EvaluateOptions,
): Promise<Evaluation> {
  const { dataset, pairs, methods, mode } = opts;
  const freeForm = opts.freeForm
    ? {
        judge: opts.freeForm.judge,
        maxNewTokens: opts.freeForm.maxNewTokens,
        threshold: opts.freeForm.threshold,
      }
    : null;
  const { identity, plan, blind, blindPlan } = planEvaluation(
    dataset,
    pairs,
    lm.info,
    methods,
    freeForm,
    opts.blind,
    opts.preprocessing ?? 'default',
    opts.letterRule,
  );
  const byId = new Map(pairs.map((p) => [p.id, p]));

  const records: CaseRecord[] = [];
  const embeddings = new Map<string, ImageEmbedding>();
  const outcome = await engine.runCases(
    lm,
    byId,
    plan.images,
    opts.images,
    {
      mode,
      preprocessing: identity.preprocessing?.choice ?? 'default',
      onRecord: (r) => void records.push(r),
      onImageEmbedding: (localId, e) => void embeddings.set(localId, e),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.onImageProblem ? { onImageProblem: opts.onImageProblem } : {}),
    },
    engine.createScorer(
      lm,
      opts.freeForm ? { judge: opts.freeForm.judgeAnswer, maxNewTokens: opts.freeForm.maxNewTokens } : {},
      identity.letterRule,
    ),
  );

  // Blind baseline: the GD/PS cases again, every one shown the same blank image.
  const blindRecords: CaseRecord[] = [];
  if (blindPlan) {
    await engine.runCases(
      lm,
      byId,
      blindPlan.images,
      opts.images,
      {
        mode,
        imageCondition: 'blank',
        preprocessing: identity.preprocessing?.choice ?? 'default',
        onRecord: (r) => void blindRecords.push(r),
      },
      engine.createScorer(lm, {}, identity.letterRule),
    );
  }

  const runPairs = { ...dataset, pairs };
  const metrics = Object.fromEntries(
    identity.methods.map((m) => [m, computeMetrics(runPairs, pairAnswersFromRecords(records, m))]),
  );
  const baseline = Object.fromEntries(
    (blind?.methods ?? []).map((m) => [m, blindBaseline(runPairs, records, blindRecords, m)]),
  );
  const scoring = scoringReport(outcome);
  const preprocessing = outcome.preprocessing
    ? { ...outcome.preprocessing, comparability: paperComparability(outcome.preprocessing.choice) }
    : null;
  const runCard = {
    runId: identity.runId,
    ...(blind ? { blindRunId: blind.runId } : {}),
    model: {
      id: lm.info.modelId,
      revision: lm.info.revision,
      family: lm.info.family,
      architecture: lm.info.architecture,
    },
    device: lm.info.device,
    dtype: lm.info.dtype,
    mode,
    scoring,
    preprocessing,
    imageViews: imageViewRange(outcome.imageViews ?? {}),
    imageViewsByImage: outcome.imageViews ?? {},
    methods: identity.methods,
    letterRule: identity.letterRule,
    ...(lm.info.letterSpellings ? { letterSpellings: lm.info.letterSpellings } : {}),
    dataset: { name: dataset.name, hash: dataset.hash, pairs: pairs.length },
    promptHashes: identity.promptHashes,
    engineVersion: identity.key.engineVersion,
    ...(opts.freeForm ? { judge: opts.freeForm.judgeInfo } : {}),
    libraryVersions: lm.info.libraryVersions,
    runtime: 'node',
    startedAt: new Date(Date.now() - outcome.elapsedMs).toISOString(),
    finishedAt: new Date().toISOString(),
  };
  const modelSimilarity = modelSimilarityReport(pairs, embeddings, records, identity.methods);
  return {
    identity,
    blind,
    outcome,
    records,
    blindRecords,
    metrics,
    blindBaseline: baseline,
    runCard,
    modelSimilarity,
  };
}
