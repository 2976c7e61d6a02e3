// The export files of a run: our results bundle (format, version), the per-case CSV, the run card,
// the official answers and score JSON, with their file names (exportStem) and records (toCaseRecord).
import {
  officialFileNames,
  recordsToCsv,
  toOfficialAnswersJson,
  toOfficialScoreJson,
} from '../resultFormats.ts';
import { OFFICIAL_MODE } from '../run/methods.ts';
import type { ImageEmbedding, RunRecord } from '../run/records.ts';
import type { CaseRecord, Dataset, LetterLogits, Method } from '../types.ts';
import { ResultsError } from './errors.ts';
import {
  MODEL_SIMILARITY_DEFINITION,
  pairModelSimilarities,
  type PairModelSimilarity,
} from './modelSimilarity.ts';
import { buildRunCard, type RunCard } from './runCard.ts';
import { effectiveCases, type MaybeStored, type RunResults } from './runResults.ts';

export const BUNDLE_FORMAT = 'mediconfusion-local-results';
export const BUNDLE_VERSION = 1;

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
  /**
   * The model's own similarity of each pair's two images (core/results/modelSimilarity), for runs
   * that kept their image embeddings; absent otherwise. Not part of the official files.
   */
  modelSimilarity?: { definition: string; pairs: PairModelSimilarity[] };
}

/** The core record of a stored case, without its storage key, run id and timings. */
export function toCaseRecord(c: CaseRecord): CaseRecord {
  const r: CaseRecord = { pairId: c.pairId, slot: c.slot, method: c.method, answer: c.answer };
  if (c.probabilities) r.probabilities = { A: c.probabilities.A, B: c.probabilities.B };
  if (c.letterLogits) {
    const copy = (x: LetterLogits): LetterLogits => ({
      officialId: x.officialId,
      asWrittenId: x.asWrittenId,
      spellings: x.spellings.map((s) => ({
        tokenId: s.tokenId,
        text: s.text,
        logit: s.logit,
        logProb: s.logProb,
      })),
    });
    r.letterLogits = { A: copy(c.letterLogits.A), B: copy(c.letterLogits.B) };
  }
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
  /** The run's image embeddings by local id (absent or empty: the bundle has no modelSimilarity). */
  embeddings?: ReadonlyMap<string, ImageEmbedding> | null;
}

/** The bundle's modelSimilarity: every pair of the dataset whose two images have an embedding. */
function bundleModelSimilarity(input: ExportInput): ResultsBundle['modelSimilarity'] | undefined {
  const { dataset, embeddings, run } = input;
  if (!embeddings || embeddings.size === 0 || !dataset || dataset.hash !== run.datasetHash) return undefined;
  const pairs = [...pairModelSimilarities(dataset.pairs, embeddings).values()];
  return pairs.length > 0 ? { definition: MODEL_SIMILARITY_DEFINITION, pairs } : undefined;
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
      const modelSimilarity = bundleModelSimilarity(input);
      if (modelSimilarity) bundle.modelSimilarity = modelSimilarity;
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
