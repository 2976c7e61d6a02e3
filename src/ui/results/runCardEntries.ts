// The run card as the definition list shows it: one term per field a reader needs to reproduce the
// run (model, revision, dtype, device, browser, library versions, GD letter rule, prompt hashes,
// scoring, image preprocessing and views, dates, coverage, and the model image similarity where the
// run kept it), each with one or more lines of plain text. Pure; the exported JSON is the card itself.
import { MODEL_SIMILARITY_DEFINITION, type RunModelSimilarity } from '../../core/results/modelSimilarity.ts';
import type { RunCard } from '../../core/results/runCard.ts';
import { isLetterRule, LETTER_RULE_SPECS } from '../../core/run/letterRules.ts';
import type { ScoringReport } from '../../core/run/vocabulary.ts';
import {
  describeImageViews,
  describeSettings,
  paperComparability,
  PREPROCESSING_LABELS,
  type RunPreprocessing,
} from '../../core/run/preprocessing.ts';
import { formatDate } from '../../core/results/tableRows.ts';

export interface RunCardEntry {
  term: string;
  /** One line each; rendered as text, never as markup. */
  details: string[];
  /** Hashes and ids read better in the monospace font. */
  mono?: boolean;
}

/** Provenance keys shown under their own terms, so "Other settings" does not repeat them. */
const SHOWN_ELSEWHERE = new Set([
  'browser',
  'userAgent',
  'libraryVersions',
  'importedFrom',
  'imageViewsByImage',
  'letterSpellings',
  'pairSelection',
]);

function text(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean' || x === null) return String(x);
  return JSON.stringify(x);
}

/** |Δp| with two significant digits ("0.0031", "1.2e-7"); exactly 0 reads "0". */
function probDiff(x: number): string {
  return x === 0 ? '0' : x.toPrecision(2);
}

/** The scoring mode that ran (and why, when it is not the one asked for) and the cache self-check. */
export function scoringDetails(scoring: ScoringReport): string[] {
  const reason = scoring.modeReason ? `: ${scoring.modeReason}` : '';
  const details = [
    scoring.modeUsed === 'cached'
      ? `cached (image prefix reused)${reason}`
      : reason !== ''
        ? `recomputed in full${reason}`
        : scoring.modeRequested === 'full'
          ? 'recomputed in full (as asked)'
          : 'recomputed in full',
  ];
  const check = scoring.cacheCheck;
  if (check) {
    const tolerance =
      check.tolerance !== undefined
        ? ` (tolerance ${probDiff(check.tolerance)}${check.toleranceDtype ? ` for ${check.toleranceDtype}` : ''}${check.exactDecisions === false ? ', near-tied decisions may differ' : ''})`
        : '';
    details.push(
      `self-check on the first image: ${check.passed ? 'passed' : 'failed'}, max |Δp| ${probDiff(check.maxProbDiff)}${tolerance} over ${check.cases} ${check.cases === 1 ? 'case' : 'cases'}`,
    );
  }
  return details;
}

/** Which preprocessing ran, its settings, and what that means for comparing with the paper. */
export function preprocessingDetails(p: RunPreprocessing): string[] {
  const label = PREPROCESSING_LABELS[p.choice];
  return [
    `${label[0]!.toUpperCase()}${label.slice(1)}${p.choice !== 'default' && p.modelDefault ? ' (the same as the model default)' : ''}`,
    describeSettings(p.settings),
    paperComparability(p.choice),
  ];
}

/** The letter spellings the model's tokenizer has, as the run recorded them ("A" 82, " A" 273). */
function spellingsLine(x: unknown): string | null {
  if (!x || typeof x !== 'object') return null;
  const parts: string[] = [];
  for (const letter of ['A', 'B'] as const) {
    const list = (x as Record<string, unknown>)[letter];
    if (!Array.isArray(list)) return null;
    const items = list
      .filter((t): t is { tokenId: number; text: string } => typeof t?.tokenId === 'number')
      .map((t) => `${JSON.stringify(t.text)} ${t.tokenId}`);
    parts.push(`${letter}: ${items.join(', ')}`);
  }
  return `spellings in this tokenizer: ${parts.join(' · ')}`;
}

/** GD's letter rule: which tokens it read, and whether its GD numbers are comparable with the paper's. */
export function letterRuleDetails(card: RunCard): string[] {
  if (!isLetterRule(card.letterRule))
    return ['not recorded (the file does not say which letter tokens GD read)'];
  const spec = LETTER_RULE_SPECS[card.letterRule];
  const details = [
    `${spec.label}: ${spec.description}`,
    spec.comparableWithPaper
      ? 'GD comparable with the paper’s Table 1 (its rule).'
      : 'Not the paper’s rule: GD is not comparable with the paper’s Table 1.',
  ];
  const spellings = spellingsLine(card.provenance.letterSpellings);
  if (spellings) details.push(spellings);
  return details;
}

function dateOf(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${formatDate(t)} (${iso})` : iso;
}

export function runCardEntries(card: RunCard): RunCardEntry[] {
  const entries: RunCardEntry[] = [
    { term: 'Name', details: [card.name] },
    { term: 'Label', details: [card.label] },
    { term: 'Run id', details: [card.runId], mono: true },
    { term: 'Status', details: [card.imported ? `${card.status} (imported)` : card.status] },
    { term: 'Model', details: [card.model.id], mono: true },
    { term: 'Revision', details: [card.model.revision], mono: true },
    { term: 'Model source', details: [card.model.sourceKind] },
    { term: 'dtype', details: [card.dtype] },
    { term: 'Device', details: [card.device] },
    { term: 'Browser', details: [card.browser ?? 'not recorded'] },
  ];
  const libs = Object.entries(card.libraryVersions);
  entries.push({
    term: 'Library versions',
    details: libs.length > 0 ? libs.map(([name, v]) => `${name} ${v}`) : ['not recorded'],
    mono: libs.length > 0,
  });
  entries.push({ term: 'Engine version', details: [card.engineVersion], mono: true });
  const part = card.provenance.pairSelection;
  if (typeof part === 'string') entries.push({ term: 'Pairs chosen (last start)', details: [part] });
  entries.push({ term: 'Methods', details: [card.methods.length > 0 ? card.methods.join(', ') : 'none'] });
  if (card.methods.includes('GD')) entries.push({ term: 'GD letter rule', details: letterRuleDetails(card) });
  const hashes = card.methods.map((m) => `${m}: ${card.promptHashes[m] ?? 'not recorded'}`);
  entries.push({ term: 'Prompt hashes', details: hashes.length > 0 ? hashes : ['none'], mono: true });
  entries.push({ term: 'Scoring', details: card.scoring ? scoringDetails(card.scoring) : ['not recorded'] });
  entries.push({
    term: 'Image preprocessing',
    details: card.preprocessing ? preprocessingDetails(card.preprocessing) : ['not recorded'],
  });
  entries.push({
    term: 'Image views',
    details: card.imageViews
      ? [
          `${describeImageViews(card.imageViews)} (measured over ${card.imageViews.images} ${card.imageViews.images === 1 ? 'image' : 'images'})`,
        ]
      : ['not recorded'],
  });
  entries.push({
    term: 'Dataset',
    details: [
      `${card.dataset.name}${card.dataset.pairs !== null ? ` (${card.dataset.pairs} pairs)` : ''}`,
      `hash ${card.dataset.hash}`,
    ],
  });
  entries.push({ term: 'Created', details: [dateOf(card.createdAt)] });
  entries.push({ term: 'Updated', details: [dateOf(card.updatedAt)] });
  const from = card.provenance.importedFrom;
  if (from && typeof from === 'object') {
    const f = from as Record<string, unknown>;
    const unknown = Array.isArray(f.unknownFields) ? f.unknownFields.map(text) : [];
    entries.push({
      term: 'Imported from',
      details: [
        `${text(f.fileName)} (${text(f.kind)})${typeof f.importedAt === 'string' ? ` on ${dateOf(f.importedAt)}` : ''}`,
        ...(unknown.length > 0 ? [`not stated in the file: ${unknown.join(', ')}`] : []),
      ],
    });
  }
  if (card.coverage) {
    const c = card.coverage;
    const notRun = c.pairsNotRun;
    entries.push({
      term: 'Coverage',
      details: [
        `${c.casesRun} of ${c.casesExpected} answers`,
        notRun.length === 0
          ? `all ${c.pairsTotal} pairs answered`
          : `${notRun.length} of ${c.pairsTotal} pairs not fully run: ${notRun.slice(0, 12).join(', ')}${notRun.length > 12 ? ', …' : ''}`,
      ],
    });
  }
  const b = card.statistics.bootstrap;
  entries.push({
    term: 'Statistics',
    details: [
      `${Math.round(b.level * 100)} % percentile bootstrap over pairs, ${b.iterations} resamples, seed ${b.seed}`,
      `exact one-sided binomial test of set accuracy against ${card.statistics.vsRandom.chanceSetAccuracy * 100} % (random guessing)`,
    ],
  });
  // A well-formed scoring report has its own term; a malformed one stays visible here as recorded.
  const other = Object.entries(card.provenance).filter(
    ([k]) =>
      !SHOWN_ELSEWHERE.has(k) &&
      !(k === 'scoring' && card.scoring !== null) &&
      !(k === 'preprocessing' && card.preprocessing !== null),
  );
  if (other.length > 0) {
    entries.push({ term: 'Other settings', details: other.map(([k, v]) => `${k}: ${text(v)}`), mono: true });
  }
  return entries;
}

/** The card's line for a run that kept its image embeddings (core/results/modelSimilarity). */
export function modelSimilarityEntry(
  similarity: Pick<RunModelSimilarity, 'images' | 'similarities'>,
): RunCardEntry {
  const pairs = similarity.similarities.size;
  return {
    term: 'Model image similarity',
    details: [
      `kept for ${similarity.images} ${similarity.images === 1 ? 'image' : 'images'} (${pairs} ${pairs === 1 ? 'pair' : 'pairs'} with both images)`,
      MODEL_SIMILARITY_DEFINITION,
    ],
  };
}
