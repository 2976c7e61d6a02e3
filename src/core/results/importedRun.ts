// The run record made for imported answers: the run card fields a file states (our card or the CLI's),
// and everything it does not state recorded as unknown, with an id that is the same for the same file.
import { dtypeLabel, parseDtypeChoice } from '../run/dtypes.ts';
import { stableHash } from '../hash.ts';
import { DEFAULT_LETTER_RULE, isLetterRule, type LetterRule } from '../run/letterRules.ts';
import type { RunRecord, RunStatus } from '../run/records.ts';
import type { Device } from '../run/vocabulary.ts';
import { METHODS, type CaseRecord, type Dataset, type Method } from '../types.ts';
import { isObject, stringRecord } from './jsonShape.ts';
import { UNKNOWN } from './runCard.ts';

export type ImportKind = 'bundle' | 'cli' | 'csv' | 'official';

const DEVICES: readonly Device[] = ['webgpu', 'wasm', 'cpu'];
const RUN_STATUSES: readonly RunStatus[] = ['running', 'paused', 'complete', 'cancelled', 'failed'];
const SOURCE_KINDS: readonly RunRecord['model']['sourceKind'][] = ['hub', 'path', 'files'];

/** A file name without its folder and extension. */
export function baseName(fileName: string): string {
  return fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || fileName;
}

function parseDate(x: unknown): number | null {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string') {
    const t = Date.parse(x);
    if (Number.isFinite(t)) return t;
  }
  return null;
}

export interface CardFields {
  label: string | null;
  /** The run's name as the exporting browser listed it. */
  name: string | null;
  modelId: string | null;
  revision: string | null;
  sourceKind: RunRecord['model']['sourceKind'] | null;
  device: Device | null;
  /** A dtype, or a per-file mix's label (`file=dtype,…`, core/run/dtypes dtypeLabel). */
  dtype: string | null;
  status: RunStatus | null;
  methods: Method[];
  promptHashes: Record<string, string>;
  engineVersion: string | null;
  createdAt: number | null;
  updatedAt: number | null;
  datasetHash: string | null;
  /** GD's letter rule as the card states it (absent when not stated, so older files keep their import id). */
  letterRule?: LetterRule;
  provenance: Record<string, unknown>;
}

/** A card's dtype when it is one, or a valid per-file mix, written back as its stable label. */
function dtypeLabelOf(x: unknown): string | null {
  if (typeof x !== 'string') return null;
  try {
    return dtypeLabel(parseDtypeChoice(x));
  } catch {
    return null;
  }
}

/**
 * The fields of a run card we can use, from our own card or the CLI's (`scripts/eval.ts`), which
 * share their top-level keys. Anything missing or of the wrong type is simply unknown.
 */
export function readCard(card: Record<string, unknown>): CardFields {
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
    name: str(card.name),
    modelId: str(model.id) ?? str(model.modelId),
    revision: str(model.revision),
    sourceKind: pick(model.sourceKind, SOURCE_KINDS),
    device: pick(card.device, DEVICES),
    dtype: dtypeLabelOf(card.dtype),
    status: pick(card.status, RUN_STATUSES),
    methods: Array.isArray(card.methods)
      ? METHODS.filter((m) => (card.methods as unknown[]).includes(m))
      : [],
    promptHashes: stringRecord(card.promptHashes),
    engineVersion: str(card.engineVersion),
    createdAt: parseDate(card.createdAt) ?? parseDate(card.startedAt),
    updatedAt: parseDate(card.updatedAt) ?? parseDate(card.finishedAt),
    datasetHash: str(dataset.hash),
    ...(isLetterRule(card.letterRule) ? { letterRule: card.letterRule } : {}),
    provenance,
  };
}

export interface RunDraft {
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
export function importedRun(d: RunDraft): RunRecord {
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
  // A card from this app or its CLI that names no letter rule predates the setting: official. A
  // file without a card (CSV, official answers) does not say which tokens its GD answers read.
  const letterRule = card ? (card.letterRule ?? DEFAULT_LETTER_RULE) : null;
  if (letterRule === null && methods.includes('GD')) unknownFields.push('letterRule');
  return {
    id,
    label: card?.label ?? d.label ?? baseName(d.fileName),
    ...(card?.name ? { name: card.name } : {}),
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
    ...(letterRule !== null && letterRule !== DEFAULT_LETTER_RULE ? { letterRule } : {}),
  };
}
