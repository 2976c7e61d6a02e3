// Reading imported result files into runs: our bundle, the CLI's output, a per-case CSV or an
// official answers file (method from its name), each checked field by field with precise errors.
import { locateJsonError } from '../datasetJson.ts';
import { ResultFormatError, fromOfficialAnswersJson, recordsFromCsv } from '../resultFormats.ts';
import { OFFICIAL_MODE } from '../run/methods.ts';
import type { RunRecord } from '../run/records.ts';
import {
  METHODS,
  type CaseRecord,
  type Dataset,
  type ImageSlot,
  type LetterLogits,
  type Method,
  type PairAnswers,
} from '../types.ts';
import { ResultsError } from './errors.ts';
import { BUNDLE_FORMAT, BUNDLE_VERSION } from './exportFiles.ts';
import { baseName, importedRun, readCard, type ImportKind } from './importedRun.ts';
import { describe, isMethod, isObject } from './jsonShape.ts';
import { RUN_CARD_FORMAT } from './runCard.ts';

export type ImportMethodChoice = 'auto' | Method;

export interface ImportedRun {
  kind: ImportKind;
  run: RunRecord;
  records: CaseRecord[];
}

const MODE_TO_METHOD: Readonly<Record<string, Method>> = Object.fromEntries(
  METHODS.map((m) => [OFFICIAL_MODE[m], m]),
);

/** `<key>_<mode>.json` → key and method; null when the name does not follow the official pattern. */
export function parseOfficialFileName(fileName: string): { modelKey: string; method: Method } | null {
  const base = fileName.replace(/^.*[\\/]/, '');
  const match = /^(.+)_(greedy|prefix|mc|gpt4)\.json$/i.exec(base);
  if (!match) return null;
  const method = MODE_TO_METHOD[(match[2] as string).toLowerCase()];
  return method ? { modelKey: match[1] as string, method } : null;
}

function numberPair(x: unknown, where: string): { A: number; B: number } {
  if (!isObject(x) || typeof x.A !== 'number' || typeof x.B !== 'number') {
    throw new ResultsError(`${where} must be {"A": number, "B": number} (got ${describe(x)})`);
  }
  return { A: x.A, B: x.B };
}

function numberList(x: unknown, where: string): number[] {
  if (!Array.isArray(x) || !x.every((v) => typeof v === 'number')) {
    throw new ResultsError(`${where} must be a list of numbers (got ${describe(x)})`);
  }
  return [...(x as number[])];
}

/** GD's stored letter logits of one letter, checked field by field. */
function letterLogits(x: unknown, where: string): LetterLogits {
  const shape = '{"officialId": number, "asWrittenId": number or null, "spellings": [...]}';
  if (!isObject(x) || typeof x.officialId !== 'number' || !Array.isArray(x.spellings))
    throw new ResultsError(`${where} must be ${shape} (got ${describe(x)})`);
  if (x.asWrittenId !== null && typeof x.asWrittenId !== 'number')
    throw new ResultsError(`${where}.asWrittenId must be a number or null (got ${describe(x.asWrittenId)})`);
  const spellings = x.spellings.map((s: unknown, i: number) => {
    if (
      !isObject(s) ||
      typeof s.tokenId !== 'number' ||
      typeof s.text !== 'string' ||
      typeof s.logit !== 'number' ||
      typeof s.logProb !== 'number'
    ) {
      throw new ResultsError(
        `${where}.spellings[${i}] must be {"tokenId": number, "text": string, "logit": number, "logProb": number} (got ${describe(s)})`,
      );
    }
    return { tokenId: s.tokenId, text: s.text, logit: s.logit, logProb: s.logProb };
  });
  return { officialId: x.officialId, asWrittenId: x.asWrittenId, spellings };
}

/** One record of a bundle, checked field by field; only the core record's fields are kept. */
export function recordFromJson(
  x: unknown,
  where: string,
  pairIds: ReadonlySet<string>,
  datasetName: string,
): CaseRecord {
  if (!isObject(x)) throw new ResultsError(`${where} must be an object (got ${describe(x)})`);
  const { pairId, slot, method, answer } = x;
  if (typeof pairId !== 'string' || pairId === '') {
    throw new ResultsError(`${where}: "pairId" must be a non-empty string (got ${describe(pairId)})`);
  }
  if (!pairIds.has(pairId))
    throw new ResultsError(`${where}: pair ${pairId} is not in dataset "${datasetName}"`);
  if (slot !== 1 && slot !== 2)
    throw new ResultsError(`${where}: "slot" must be 1 or 2 (got ${describe(slot)})`);
  if (!isMethod(method)) {
    throw new ResultsError(
      `${where}: "method" must be one of ${METHODS.join(', ')} (got ${describe(method)})`,
    );
  }
  if (answer !== 'A' && answer !== 'B' && answer !== null) {
    throw new ResultsError(
      `${where}: "answer" must be "A", "B" or null for invalid (got ${describe(answer)})`,
    );
  }
  const record: CaseRecord = { pairId, slot: slot as ImageSlot, method, answer };
  if (x.probabilities !== undefined)
    record.probabilities = numberPair(x.probabilities, `${where}.probabilities`);
  if (x.letterLogits !== undefined) {
    const l = x.letterLogits;
    if (!isObject(l)) throw new ResultsError(`${where}.letterLogits must be {"A": {...}, "B": {...}}`);
    record.letterLogits = {
      A: letterLogits(l.A, `${where}.letterLogits.A`),
      B: letterLogits(l.B, `${where}.letterLogits.B`),
    };
  }
  if (x.prefixScores !== undefined) record.prefixScores = numberPair(x.prefixScores, `${where}.prefixScores`);
  if (x.tokenLogProbs !== undefined) {
    const t = x.tokenLogProbs;
    if (!isObject(t)) throw new ResultsError(`${where}.tokenLogProbs must be {"A": [...], "B": [...]}`);
    record.tokenLogProbs = {
      A: numberList(t.A, `${where}.tokenLogProbs.A`),
      B: numberList(t.B, `${where}.tokenLogProbs.B`),
    };
  }
  if (x.generatedText !== undefined) {
    if (typeof x.generatedText !== 'string')
      throw new ResultsError(`${where}.generatedText must be a string`);
    record.generatedText = x.generatedText;
  }
  if (x.judge !== undefined) {
    const j = x.judge;
    if (!isObject(j) || typeof j.rawText !== 'string') {
      throw new ResultsError(`${where}.judge must be {"rawText": string, "scores": {A, B} or null}`);
    }
    record.judge = {
      rawText: j.rawText,
      scores: j.scores === null ? null : numberPair(j.scores, `${where}.judge.scores`),
    };
  }
  return record;
}

function checkPairIds(records: readonly CaseRecord[], dataset: Dataset, where: (i: number) => string): void {
  const ids = new Set(dataset.pairs.map((p) => p.id));
  records.forEach((r, i) => {
    if (!ids.has(r.pairId))
      throw new ResultsError(`${where(i)}: pair ${r.pairId} is not in dataset "${dataset.name}"`);
  });
}

function parseJsonText(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text);
    throw new ResultsError(
      `${fileName} is not valid JSON (line ${at.line}, column ${at.column}): ${(e as Error).message}`,
    );
  }
}

function parseBundleLike(
  data: Record<string, unknown>,
  kind: 'bundle' | 'cli',
  fileName: string,
  dataset: Dataset,
  now: number,
): ImportedRun {
  const what = kind === 'bundle' ? 'results bundle' : 'command-line results file';
  if (!isObject(data.runCard)) throw new ResultsError(`${fileName}: ${what} has no "runCard" object`);
  if (!Array.isArray(data.records)) throw new ResultsError(`${fileName}: ${what} has no "records" list`);
  const card = readCard(data.runCard);
  if (card.datasetHash === null) {
    throw new ResultsError(
      `${fileName}: runCard.dataset.hash is missing, so the question set cannot be checked`,
    );
  }
  if (card.datasetHash !== dataset.hash) {
    const name = isObject(data.runCard.dataset) ? String(data.runCard.dataset.name ?? '') : '';
    throw new ResultsError(
      `${fileName} answers dataset ${name ? `"${name}" ` : ''}(hash ${card.datasetHash}), but the loaded dataset ` +
        `"${dataset.name}" has hash ${dataset.hash}. Load the dataset the results were computed on first.`,
    );
  }
  if (data.records.length === 0) throw new ResultsError(`${fileName}: "records" is empty`);
  const ids = new Set(dataset.pairs.map((p) => p.id));
  const records = data.records.map((r, i) =>
    recordFromJson(r, `${fileName}: records[${i}]`, ids, dataset.name),
  );
  return { kind, records, run: importedRun({ kind, fileName, records, dataset, now, card }) };
}

/**
 * Reads an imported results file: our bundle, the CLI's output, a per-case CSV, or an official
 * `<key>_<mode>.json` answers file (method from the name unless chosen). Throws ResultsError
 * saying exactly what is wrong; nothing is returned for a file with any error.
 */
export function parseResultsFile(
  text: string,
  fileName: string,
  dataset: Dataset,
  options: { method?: ImportMethodChoice; now?: number } = {},
): ImportedRun {
  const now = options.now ?? Date.now();
  const body = text.replace(/^\uFEFF/, '');
  const first = body.trimStart()[0];
  const looksJson = first === '{' || first === '[';
  if (/\.csv$/i.test(fileName) || (!looksJson && !/\.json$/i.test(fileName))) {
    let records: CaseRecord[];
    try {
      records = recordsFromCsv(body);
    } catch (e) {
      if (e instanceof ResultFormatError) throw new ResultsError(`${fileName}: ${e.message}`);
      throw e;
    }
    if (records.length === 0) throw new ResultsError(`${fileName}: the results CSV has a header but no rows`);
    // Row numbers as recordsFromCsv counts them (first data row = 1).
    checkPairIds(records, dataset, (i) => `${fileName}: results CSV row ${i + 1}`);
    const label = baseName(fileName);
    return {
      kind: 'csv',
      records,
      run: importedRun({
        kind: 'csv',
        fileName,
        records,
        dataset,
        now,
        label,
        modelId: label.replace(/_records$/, ''),
      }),
    };
  }

  const data = parseJsonText(body, fileName);
  if (!isObject(data))
    throw new ResultsError(
      `${fileName}: expected a JSON object, got ${Array.isArray(data) ? 'a list' : describe(data)}`,
    );
  if (data.format !== undefined) {
    if (data.format === RUN_CARD_FORMAT) {
      throw new ResultsError(
        `${fileName} is a run card: it describes a run but holds no answers. Import the results bundle or CSV instead.`,
      );
    }
    if (data.format !== BUNDLE_FORMAT) {
      throw new ResultsError(
        `${fileName}: unknown format ${describe(data.format)} (expected "${BUNDLE_FORMAT}")`,
      );
    }
    if (data.version !== BUNDLE_VERSION) {
      throw new ResultsError(
        `${fileName}: results bundle version ${describe(data.version)} is not supported (this app reads version ${BUNDLE_VERSION})`,
      );
    }
    return parseBundleLike(data, 'bundle', fileName, dataset, now);
  }
  if (isObject(data.runCard) && Array.isArray(data.records))
    return parseBundleLike(data, 'cli', fileName, dataset, now);
  if (/_score\.json$/i.test(fileName) || (isObject(data.set_score) && isObject(data.individual_score))) {
    throw new ResultsError(
      `${fileName} is an official score file (sums only, no answers). Import the answers file ` +
        `(<model>_<mode>.json) instead.`,
    );
  }

  const fromName = parseOfficialFileName(fileName);
  const chosen = options.method && options.method !== 'auto' ? options.method : null;
  const method = chosen ?? fromName?.method ?? null;
  if (method === null) {
    throw new ResultsError(
      `${fileName}: cannot tell which method these official answers are from. Name the file ` +
        `<model>_greedy.json, _prefix.json, _mc.json or _gpt4.json, or choose the method before importing.`,
    );
  }
  if (Object.keys(data).length === 0) throw new ResultsError(`${fileName}: the answers file has no pairs`);
  let answers: PairAnswers;
  try {
    answers = fromOfficialAnswersJson(data, dataset, method);
  } catch (e) {
    if (e instanceof ResultFormatError) throw new ResultsError(`${fileName}: ${e.message}`);
    throw e;
  }
  const records: CaseRecord[] = [];
  for (const pair of dataset.pairs) {
    const a = answers.get(pair.id);
    if (!a) continue;
    for (const slot of [1, 2] as const) {
      const answer = a[slot];
      if (answer !== undefined) records.push({ pairId: pair.id, slot, method, answer });
    }
  }
  const modelKey = fromName?.modelKey ?? baseName(fileName);
  return {
    kind: 'official',
    records,
    run: importedRun({
      kind: 'official',
      fileName,
      records,
      dataset,
      now,
      label: `${modelKey} (${method}, official file)`,
      modelId: modelKey,
    }),
  };
}
