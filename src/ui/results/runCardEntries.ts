// The run card as the definition list shows it: one term per field a reader needs to reproduce the
// run (model, revision, dtype, device, browser, library versions, prompt hashes, dates, coverage),
// each with one or more lines of plain text. Pure; the exported JSON is the card itself.
import type { RunCard } from '../../state/resultsModel.ts';
import { formatDate } from './rows.ts';

export interface RunCardEntry {
  term: string;
  /** One line each; rendered as text, never as markup. */
  details: string[];
  /** Hashes and ids read better in the monospace font. */
  mono?: boolean;
}

/** Provenance keys shown under their own terms, so "Other settings" does not repeat them. */
const SHOWN_ELSEWHERE = new Set(['browser', 'userAgent', 'libraryVersions', 'importedFrom']);

function text(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean' || x === null) return String(x);
  return JSON.stringify(x);
}

function dateOf(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${formatDate(t)} (${iso})` : iso;
}

export function runCardEntries(card: RunCard): RunCardEntry[] {
  const entries: RunCardEntry[] = [
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
  entries.push({ term: 'Methods', details: [card.methods.length > 0 ? card.methods.join(', ') : 'none'] });
  const hashes = card.methods.map((m) => `${m}: ${card.promptHashes[m] ?? 'not recorded'}`);
  entries.push({ term: 'Prompt hashes', details: hashes.length > 0 ? hashes : ['none'], mono: true });
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
  const other = Object.entries(card.provenance).filter(([k]) => !SHOWN_ELSEWHERE.has(k));
  if (other.length > 0) {
    entries.push({ term: 'Other settings', details: other.map(([k, v]) => `${k}: ${text(v)}`), mono: true });
  }
  return entries;
}
