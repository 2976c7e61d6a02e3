// Imported result files: export → import round trips keep every metric, malformed imports fail with
// precise messages, and official file names say the model and method.
import { describe, expect, it } from 'vitest';
import { recordsToCsv } from '../../../../src/core/resultFormats.ts';
import type { CaseRecord, Method } from '../../../../src/core/types.ts';
import { ResultsError } from '../../../../src/core/results/errors.ts';
import { BUNDLE_FORMAT, buildExport, type ExportKind } from '../../../../src/core/results/exportFiles.ts';
import { parseOfficialFileName, parseResultsFile } from '../../../../src/core/results/importFiles.ts';
import { UNKNOWN, buildRunCard, runSetup } from '../../../../src/core/results/runCard.ts';
import { computeRunResults } from '../../../../src/core/results/runResults.ts';
import { officialDataset } from '../fixtures.ts';
import { makeRun, numbers, randomRecords } from './fixtures.ts';

const METHODS_RUN: Method[] = ['GD', 'PS', 'MC'];
const records = randomRecords(officialDataset, METHODS_RUN, 11);
const run = makeRun('run-1', officialDataset);

describe('export → import round trips', () => {
  const results = computeRunResults(run, records, officialDataset);
  const input = { run, cases: records, dataset: officialDataset, results };
  const importText = (kind: ExportKind, method?: Method) => {
    const file = buildExport(kind, input);
    return parseResultsFile(file.text, file.fileName, officialDataset, {
      now: Date.UTC(2025, 5, 1),
      ...(method ? { method } : {}),
    });
  };

  it('bundle: same records, same metrics, the run card carried over', () => {
    const file = buildExport({ kind: 'bundle' }, input);
    expect(file.fileName).toBe('HuggingFaceTB_SmolVLM-256M-Instruct_run1.mediconfusion-results.json');
    const bundle = JSON.parse(file.text) as { format: string; version: number; records: CaseRecord[] };
    expect(bundle.format).toBe(BUNDLE_FORMAT);
    expect(bundle.version).toBe(1);
    const imported = importText({ kind: 'bundle' });
    expect(imported.kind).toBe('bundle');
    expect(imported.records).toEqual(records);
    const r = imported.run;
    expect(r.imported).toBe(true);
    expect(r.id).toMatch(/^imported-[0-9a-f]{16}$/);
    expect(r).toMatchObject({
      label: run.label,
      model: run.model,
      device: 'webgpu',
      dtype: 'q8',
      methods: ['GD', 'PS', 'MC'],
      promptHashes: run.promptHashes,
      engineVersion: '1',
      status: 'complete',
      createdAt: run.createdAt,
      datasetHash: officialDataset.hash,
    });
    expect(r.runCard).toMatchObject({ ...run.runCard, importedFrom: { kind: 'bundle', unknownFields: [] } });
    expect(numbers(computeRunResults(r, imported.records, officialDataset))).toEqual(numbers(results));
    // The same file imported twice gets the same id (replaced, not duplicated).
    expect(importText({ kind: 'bundle' }).run.id).toBe(r.id);
  });

  it('bundle: the scoring report the run recorded survives the trip', () => {
    const scoring = {
      modeRequested: 'cached',
      modeUsed: 'full',
      modeReason: 'no prefix reuse for this family',
    };
    const scored = { ...run, runCard: { ...run.runCard, scoring } };
    const file = buildExport({ kind: 'bundle' }, { ...input, run: scored });
    const imported = parseResultsFile(file.text, file.fileName, officialDataset);
    expect(buildRunCard(imported.run, officialDataset, null).scoring).toEqual(scoring);
  });

  it('CSV: same records and metrics; what a CSV does not say is unknown', () => {
    const imported = importText({ kind: 'csv' });
    expect(imported.kind).toBe('csv');
    expect(imported.records).toEqual(records);
    expect(numbers(computeRunResults(imported.run, imported.records, officialDataset))).toEqual(
      numbers(results),
    );
    const setup = runSetup(imported.run);
    expect(setup).toMatchObject({
      modelId: 'HuggingFaceTB_SmolVLM-256M-Instruct_run1',
      device: UNKNOWN,
      dtype: UNKNOWN,
      revision: UNKNOWN,
    });
    expect(buildRunCard(imported.run, officialDataset, null).device).toBe(UNKNOWN);
  });

  it('official answers JSON per method: same metrics from the answers alone', () => {
    for (const m of METHODS_RUN) {
      const file = buildExport({ kind: 'official-answers', method: m }, input);
      expect(file.fileName).toBe(
        `HuggingFaceTB_SmolVLM-256M-Instruct_${{ GD: 'greedy', PS: 'prefix', MC: 'mc', FF: 'gpt4' }[m]}.json`,
      );
      const imported = importText({ kind: 'official-answers', method: m });
      expect(imported.kind).toBe('official');
      expect(imported.records.every((r) => r.method === m)).toBe(true);
      const again = computeRunResults(imported.run, imported.records, officialDataset);
      expect(numbers(again)[m]).toEqual(numbers(results)[m]);
    }
  });

  it('an official file with a name that does not say the method takes the chosen one', () => {
    const file = buildExport({ kind: 'official-answers', method: 'PS' }, input);
    expect(() => parseResultsFile(file.text, 'answers.json', officialDataset)).toThrow(
      /cannot tell which method/,
    );
    const imported = parseResultsFile(file.text, 'answers.json', officialDataset, { method: 'PS' });
    expect(imported.run.methods).toEqual(['PS']);
    expect(numbers(computeRunResults(imported.run, imported.records, officialDataset)).PS).toEqual(
      numbers(results).PS,
    );
  });

  it('the command line output file imports like a bundle', () => {
    const cli = {
      runCard: {
        model: { id: 'org/tiny', revision: 'r1', family: 'smolvlm', architecture: 'Idefics3' },
        device: 'wasm',
        dtype: 'fp32',
        mode: 'cached',
        methods: METHODS_RUN,
        dataset: { name: officialDataset.name, hash: officialDataset.hash, pairs: 176 },
        promptHashes: { GD: 'a', PS: 'b', MC: 'c' },
        engineVersion: '1',
        libraryVersions: { 'onnxruntime-node': '1.2' },
        runtime: 'node',
        startedAt: '2025-01-01T00:00:00.000Z',
        finishedAt: '2025-01-01T01:00:00.000Z',
      },
      metrics: {},
      records,
    };
    const imported = parseResultsFile(JSON.stringify(cli), 'tiny.json', officialDataset);
    expect(imported.kind).toBe('cli');
    expect(imported.run).toMatchObject({
      model: { modelId: 'org/tiny', revision: 'r1' },
      device: 'wasm',
      dtype: 'fp32',
      createdAt: Date.parse('2025-01-01T00:00:00.000Z'),
    });
    expect(imported.run.runCard).toMatchObject({
      runtime: 'node',
      libraryVersions: { 'onnxruntime-node': '1.2' },
    });
    expect(numbers(computeRunResults(imported.run, imported.records, officialDataset))).toEqual(
      numbers(results),
    );
  });

  it('keeps a per-file dtype mix from the command line, and drops a dtype that is none', () => {
    const withDtype = (dtype: string) =>
      JSON.stringify({
        runCard: {
          model: { id: 'org/tiny', revision: 'r1' },
          dtype,
          methods: METHODS_RUN,
          dataset: { name: officialDataset.name, hash: officialDataset.hash, pairs: 176 },
          promptHashes: { GD: 'a', PS: 'b', MC: 'c' },
          engineVersion: '1',
        },
        metrics: {},
        records,
      });
    const mixed = 'decoder_model_merged=q4,embed_tokens=fp16,vision_encoder=q4';
    expect(parseResultsFile(withDtype(mixed), 'mix.json', officialDataset).run.dtype).toBe(mixed);
    expect(parseResultsFile(withDtype('q5'), 'bad.json', officialDataset).run.dtype).toBe('fp32');
  });
});

describe('malformed imports', () => {
  const input = { run, cases: records, dataset: officialDataset, results: null };
  const bundle = () => JSON.parse(buildExport({ kind: 'bundle' }, input).text) as Record<string, unknown>;
  const parse =
    (text: string, name = 'x.json') =>
    () =>
      parseResultsFile(text, name, officialDataset);

  it('names the record and field at fault', () => {
    const b = bundle();
    (b.records as Record<string, unknown>[])[5]!.slot = 3;
    expect(parse(JSON.stringify(b), 'b.json')).toThrow(
      new ResultsError('b.json: records[5]: "slot" must be 1 or 2 (got 3)'),
    );
    const c = bundle();
    (c.records as Record<string, unknown>[])[2]!.answer = 'C';
    expect(parse(JSON.stringify(c), 'c.json')).toThrow(
      'c.json: records[2]: "answer" must be "A", "B" or null for invalid (got "C")',
    );
    const d = bundle();
    (d.records as Record<string, unknown>[])[0]!.pairId = '99999';
    expect(parse(JSON.stringify(d), 'd.json')).toThrow(
      'd.json: records[0]: pair 99999 is not in dataset "MediConfusion"',
    );
    const e = bundle();
    (e.records as Record<string, unknown>[])[0]!.probabilities = { A: '0.3', B: 0.7 };
    expect(parse(JSON.stringify(e), 'e.json')).toThrow(
      'e.json: records[0].probabilities must be {"A": number, "B": number}',
    );
  });

  it('rejects results for another dataset, other versions and non-result files', () => {
    const b = bundle();
    (b.runCard as { dataset: { hash: string } }).dataset.hash = '0123456789abcdef';
    expect(parse(JSON.stringify(b))).toThrow(
      /hash 0123456789abcdef\), but the loaded dataset "MediConfusion" has hash/,
    );
    expect(parse(JSON.stringify({ ...bundle(), version: 2 }))).toThrow(
      'x.json: results bundle version 2 is not supported',
    );
    expect(parse(JSON.stringify({ ...bundle(), records: [] }))).toThrow('x.json: "records" is empty');
    expect(parse(buildExport({ kind: 'run-card' }, input).text)).toThrow(/is a run card/);
    expect(
      parse(buildExport({ kind: 'official-score', method: 'GD' }, { ...input }).text, 'm_greedy_score.json'),
    ).toThrow(/is an official score file/);
    expect(parse(JSON.stringify({ format: 'something-else' }))).toThrow(
      'x.json: unknown format "something-else"',
    );
    expect(parse('[1, 2]')).toThrow('x.json: expected a JSON object, got a list');
  });

  it('locates JSON syntax errors', () => {
    expect(parse('{\n  "format": "mediconfusion-local-results",\n  "version": 1,,\n}')).toThrow(
      /x\.json is not valid JSON \(line 3, column 16\)/,
    );
  });

  it('names the CSV row at fault', () => {
    const csv = recordsToCsv(records.slice(0, 4), officialDataset).split('\r\n');
    const cells = csv[3]!.split(',');
    cells[2] = 'XX';
    csv[3] = cells.join(',');
    expect(parse(csv.join('\r\n'), 'r.csv')).toThrow(
      'r.csv: results CSV row 3: "method" must be one of GD, PS, MC, FF',
    );
    const unknownPair = recordsToCsv([{ ...records[0]!, pairId: 'nope' }], officialDataset);
    expect(parse(unknownPair, 'r.csv')).toThrow(
      'r.csv: results CSV row 1: pair nope is not in dataset "MediConfusion"',
    );
    expect(parse('pair_id,image_slot\n', 'r.csv')).toThrow(
      'r.csv: results CSV header is missing column "method"',
    );
  });

  it('names the pair at fault in an official answers file', () => {
    const official = JSON.parse(
      buildExport({ kind: 'official-answers', method: 'GD' }, { ...input, dataset: officialDataset }).text,
    ) as Record<string, { answer: { im1: Record<string, unknown> } }>;
    const first = Object.keys(official)[0]!;
    official[first]!.answer.im1.A = 'ten';
    expect(parse(JSON.stringify(official), 'm_greedy.json')).toThrow(
      `m_greedy.json: GD answers file: pair ${first} "answer.im1" needs numeric "A" and "B" scores`,
    );
    expect(parse('{}', 'm_greedy.json')).toThrow('m_greedy.json: the answers file has no pairs');
  });
});

describe('parseOfficialFileName', () => {
  it('reads the model key and method from <key>_<mode>.json', () => {
    expect(parseOfficialFileName('Llama-3.2_greedy.json')).toEqual({ modelKey: 'Llama-3.2', method: 'GD' });
    expect(parseOfficialFileName('dir/a_b_prefix.json')).toEqual({ modelKey: 'a_b', method: 'PS' });
    expect(parseOfficialFileName('x_MC.json')).toEqual({ modelKey: 'x', method: 'MC' });
    expect(parseOfficialFileName('x_gpt4.json')).toEqual({ modelKey: 'x', method: 'FF' });
    expect(parseOfficialFileName('x_greedy_score.json')).toBeNull();
    expect(parseOfficialFileName('results.json')).toBeNull();
  });
});

describe('GD letter rules through export and import', () => {
  const sp = (tokenId: number, text: string, logit: number) => ({ tokenId, text, logit, logProb: logit - 9 });
  const withLogits: CaseRecord[] = records.map((r, i) =>
    r.method === 'GD'
      ? {
          ...r,
          letterLogits: {
            A: { officialId: 82, asWrittenId: 273, spellings: [sp(82, 'A', i / 7), sp(273, ' A', 0.25)] },
            B: {
              officialId: 83,
              asWrittenId: i % 3 === 0 ? null : 274,
              spellings: [sp(83, 'B', 0.1), sp(274, ' B', -(i + 1) / 5)],
            },
          },
        }
      : r,
  );
  const asWritten = {
    ...run,
    label: `${run.label} · GD letters as written`,
    letterRule: 'as-written' as const,
  };

  it('a bundle keeps every letter logit and the run’s letter rule', () => {
    const file = buildExport(
      { kind: 'bundle' },
      { run: asWritten, cases: withLogits, dataset: officialDataset, results: null },
    );
    const imported = parseResultsFile(file.text, file.fileName, officialDataset);
    expect(imported.records).toEqual(withLogits);
    expect(imported.run.letterRule).toBe('as-written');
    expect(buildRunCard(imported.run, officialDataset, null).letterRule).toBe('as-written');
    // An official-rule bundle (and one written before the rule existed) reads official.
    const plain = buildExport(
      { kind: 'bundle' },
      { run, cases: records, dataset: officialDataset, results: null },
    );
    const back = parseResultsFile(plain.text, plain.fileName, officialDataset).run;
    expect(back.letterRule).toBeUndefined();
    expect(buildRunCard(back, officialDataset, null).letterRule).toBe('official');
  });

  it('a CSV with GD answers does not say which letter tokens they read', () => {
    const file = buildExport(
      { kind: 'csv' },
      { run: asWritten, cases: withLogits, dataset: officialDataset, results: null },
    );
    const imported = parseResultsFile(file.text, file.fileName, officialDataset);
    expect(buildRunCard(imported.run, officialDataset, null).letterRule).toBe(UNKNOWN);
  });

  it('a malformed letter logit is refused with its place named', () => {
    const file = buildExport(
      { kind: 'bundle' },
      { run, cases: withLogits, dataset: officialDataset, results: null },
    );
    const bundle = JSON.parse(file.text) as { records: CaseRecord[] };
    const gd = bundle.records.findIndex((r) => r.method === 'GD');
    (bundle.records[gd]!.letterLogits!.B.spellings[1] as unknown as Record<string, unknown>).logit = 'x';
    expect(() => parseResultsFile(JSON.stringify(bundle), file.fileName, officialDataset)).toThrow(
      `records[${gd}].letterLogits.B.spellings[1] must be`,
    );
  });
});
