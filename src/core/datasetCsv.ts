// The CSV form of a MediConfusion dataset: a header of the official field names plus `id`, one
// row a pair, category lists `;`-separated. Reads rows into validated pairs (datasetFields.ts) and
// writes a dataset back in the same format (datasetToCsv, numbers at full precision).

import { isBlankCsvRow, parseCsvFields, toCsv, CsvError } from './csv.ts';
import { DatasetError, normalisePair } from './datasetFields.ts';
import type { ConfusionPair, Dataset } from './types.ts';

/** Column order used when writing a dataset as CSV (official field names plus `id`). */
export const DATASET_CSV_COLUMNS = [
  'id',
  'question',
  'option_A',
  'option_B',
  'im_1_correct',
  'im_2_correct',
  'im_1',
  'im_2',
  'im_1_local',
  'im_2_local',
  'cap_1',
  'cap_2',
  'category_1',
  'category_2',
  'BiomedCLIP_sim',
  'DINO_sim',
] as const;

/** Columns a CSV may leave out; it must have every other column of DATASET_CSV_COLUMNS. */
const OPTIONAL_CSV_COLUMNS: readonly string[] = [
  'im_1',
  'im_2',
  'cap_1',
  'cap_2',
  'BiomedCLIP_sim',
  'DINO_sim',
];
const REQUIRED_CSV_COLUMNS = DATASET_CSV_COLUMNS.filter((c) => !OPTIONAL_CSV_COLUMNS.includes(c));

/** The validated pairs of a CSV (header: official field names plus `id`; `;`-separated categories). */
export function readCsvPairs(text: string): ConfusionPair[] {
  let rows;
  try {
    rows = parseCsvFields(text).filter((r) => !isBlankCsvRow(r));
  } catch (e) {
    if (e instanceof CsvError) throw new DatasetError(`not valid CSV: ${e.message}`);
    throw e;
  }
  const header = rows[0]?.map((f) => f.value.trim());
  if (!header) throw new DatasetError('CSV is empty');
  for (const column of REQUIRED_CSV_COLUMNS) {
    if (!header.includes(column)) throw new DatasetError(`CSV header is missing column "${column}"`);
  }
  const pairs: ConfusionPair[] = [];
  const rowOfId = new Map<string, number>();
  rows.slice(1).forEach((row, index) => {
    const rowNumber = index + 1;
    if (row.length !== header.length) {
      throw new DatasetError(`CSV row ${rowNumber} has ${row.length} cells, the header has ${header.length}`);
    }
    const raw: Record<string, unknown> = {};
    header.forEach((column, k) => {
      const cell = row[k] as { value: string; quoted: boolean };
      raw[column] = cell.value === '' && !cell.quoted ? undefined : cell.value;
    });
    const id = typeof raw.id === 'string' ? raw.id.trim() : '';
    if (id === '') throw new DatasetError(`CSV row ${rowNumber} has no id`, { field: 'id' });
    const earlier = rowOfId.get(id);
    if (earlier !== undefined) {
      throw new DatasetError(`duplicate pair id (CSV rows ${earlier} and ${rowNumber})`, { pairId: id });
    }
    rowOfId.set(id, rowNumber);
    for (const field of ['category_1', 'category_2']) {
      const v = raw[field];
      raw[field] =
        typeof v === 'string'
          ? v
              .split(';')
              .map((c) => c.trim())
              .filter((c) => c !== '')
          : [];
    }
    for (const field of ['BiomedCLIP_sim', 'DINO_sim']) {
      const v = raw[field];
      if (typeof v === 'string') {
        const num = v.trim() === '' ? NaN : Number(v);
        raw[field] = Number.isFinite(num) ? num : v;
      }
    }
    pairs.push(normalisePair(id, raw));
  });
  return pairs;
}

function numberCell(x: number | null): string | null {
  if (x === null) return null;
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Writes a dataset as CSV in the format parseDatasetCsv reads (numbers at full precision). */
export function datasetToCsv(dataset: Dataset): string {
  const rows: (string | null)[][] = [[...DATASET_CSV_COLUMNS]];
  for (const p of dataset.pairs) {
    rows.push([
      p.id,
      p.question,
      p.optionA,
      p.optionB,
      p.im1Correct,
      p.im2Correct,
      p.im1Path,
      p.im2Path,
      p.im1Local,
      p.im2Local,
      p.caption1,
      p.caption2,
      p.category1.join(';'),
      p.category2.join(';'),
      numberCell(p.biomedClipSim),
      numberCell(p.dinoSim),
    ]);
  }
  return toCsv(rows);
}
