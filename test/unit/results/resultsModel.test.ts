// The Results arithmetic and file formats: numbers equal the core functions called directly, export
// → import round trips keep every metric, and malformed imports fail with precise messages.
import { describe, expect, it } from 'vitest';
import { bestAcrossMethods, computeMetrics, pairAnswersFromRecords } from '../../../src/core/metrics.ts';
import { recordsToCsv } from '../../../src/core/resultFormats.ts';
import { binomialTest, bootstrapConfidenceIntervals } from '../../../src/core/statistics.ts';
import type { CaseRecord, Method } from '../../../src/core/types.ts';
import {
  BUNDLE_FORMAT,
  PAPER_RESULTS,
  ResultsError,
  UNKNOWN,
  buildExport,
  buildRunCard,
  computeRunResults,
  effectiveCases,
  memoizedBootstrap,
  parseOfficialFileName,
  parseResultsFile,
  runSetup,
  type ExportKind,
  type RunResults,
} from '../../../src/state/resultsModel.ts';
import { makeDataset, makePair, officialDataset } from '../core/fixtures.ts';
import { makeRun, randomRecords } from './fixtures.ts';

const METHODS_RUN: Method[] = ['GD', 'PS', 'MC'];
const records = randomRecords(officialDataset, METHODS_RUN, 11);
const run = makeRun('run-1', officialDataset);

/** Everything Table 1 shows, for comparing two computations of a run. */
function numbers(r: RunResults) {
  return Object.fromEntries(
    r.methods.map((m) => {
      const x = r.byMethod[m]!;
      const { casesRun: _casesRun, ...counts } = x.metrics.counts;
      return [
        m,
        {
          setAccuracy: x.metrics.setAccuracy,
          individualAccuracy: x.metrics.individualAccuracy,
          confusion: x.metrics.confusion,
          invalidRate: x.metrics.invalidRate,
          byCategory: x.metrics.byCategory,
          counts,
          setCI: x.setAccuracyCI,
          individualCI: x.individualAccuracyCI,
          vsRandom: x.vsRandom,
        },
      ];
    }),
  );
}

describe('computeRunResults', () => {
  const results = computeRunResults(run, records, officialDataset);

  it('equals computeMetrics, the bootstrap and the binomial test called directly', () => {
    expect(results.methods).toEqual(['GD', 'PS', 'MC']);
    for (const m of METHODS_RUN) {
      const answers = pairAnswersFromRecords(records, m);
      const direct = computeMetrics(officialDataset, answers);
      const r = results.byMethod[m]!;
      expect(r.metrics).toEqual(direct);
      const ci = bootstrapConfidenceIntervals(officialDataset, answers, {
        iterations: 2000,
        seed: 1,
        level: 0.95,
      });
      expect(r.setAccuracyCI).toEqual(ci.setAccuracy);
      expect(r.individualAccuracyCI).toEqual(ci.individualAccuracy);
      const p = binomialTest(direct.counts.setCorrect, direct.counts.pairsRun, 0.25).pValueGreater;
      expect(r.vsRandom).toEqual({ pValue: p, significant: p < 0.05 });
    }
    expect(results.best).toEqual(
      bestAcrossMethods(
        Object.fromEntries(
          METHODS_RUN.map((m) => [m, computeMetrics(officialDataset, pairAnswersFromRecords(records, m))]),
        ),
      ),
    );
    expect(results.coverage).toEqual({
      casesRun: 176 * 2 * 3,
      casesExpected: 176 * 2 * 3,
      pairsTotal: 176,
      pairsNotRun: [],
      complete: true,
    });
    expect(results.bootstrap).toEqual({ iterations: 2000, seed: 1, level: 0.95 });
  });

  it('memoises the bootstrap on the answers themselves', () => {
    const answers = pairAnswersFromRecords(records, 'GD');
    const a = memoizedBootstrap(officialDataset, answers);
    expect(memoizedBootstrap(officialDataset, new Map(answers))).toBe(a);
    const changed = new Map(answers);
    const first = officialDataset.pairs[0]!.id;
    changed.set(first, { 1: answers.get(first)![1] === 'A' ? 'B' : 'A', 2: answers.get(first)![2] });
    expect(memoizedBootstrap(officialDataset, changed)).not.toBe(a);
  });

  it('matches hand-counted numbers on a crafted dataset', () => {
    const dataset = makeDataset([
      makePair('p1', 'A', ['Cerebral'], ['Cerebral']),
      makePair('p2', 'B', ['Cardiac'], ['Vascular']),
      makePair('p3', 'A', ['Spinal'], ['Spinal']),
      makePair('p4', 'B', ['Pulmonary'], ['Cardiac']),
    ]);
    const rec = (pairId: string, slot: 1 | 2, method: Method, answer: 'A' | 'B' | null): CaseRecord => ({
      pairId,
      slot,
      method,
      answer,
    });
    const crafted = [
      // GD: p1 right/right, p2 right/right, p3 confused (A, A), p4 wrong/wrong
      rec('p1', 1, 'GD', 'A'),
      rec('p1', 2, 'GD', 'B'),
      rec('p2', 1, 'GD', 'B'),
      rec('p2', 2, 'GD', 'A'),
      rec('p3', 1, 'GD', 'A'),
      rec('p3', 2, 'GD', 'A'),
      rec('p4', 1, 'GD', 'A'),
      rec('p4', 2, 'GD', 'B'),
      // MC: only p1 run, second image invalid; p2 half run (not scored)
      rec('p1', 1, 'MC', 'A'),
      rec('p1', 2, 'MC', null),
      rec('p2', 1, 'MC', 'B'),
    ];
    const r = computeRunResults(
      makeRun('crafted', dataset, { methods: ['GD', 'MC'], promptHashes: {} }),
      crafted,
      dataset,
    );
    const gd = r.byMethod.GD!;
    expect(gd.metrics.setAccuracy).toBe(50);
    expect(gd.metrics.individualAccuracy).toBe(62.5);
    expect(gd.metrics.confusion).toBe(25);
    expect(gd.metrics).toEqual(computeMetrics(dataset, pairAnswersFromRecords(crafted, 'GD')));
    expect(gd.pairsNotRun).toEqual([]);
    const mc = r.byMethod.MC!;
    expect(mc.metrics.counts).toMatchObject({ pairsRun: 1, casesRun: 3, setCorrect: 0, invalidAnswers: 1 });
    expect(mc.pairsNotRun).toEqual(['p2', 'p3', 'p4']);
    expect(r.coverage).toEqual({
      casesRun: 11,
      casesExpected: 16,
      pairsTotal: 4,
      pairsNotRun: ['p2', 'p3', 'p4'],
      complete: false,
    });
    expect(r.best).toMatchObject({ bestSetMethod: 'GD', bestSetAccuracy: 50 });
  });

  it('ignores cases from another prompt and lets the latest answer of a case win', () => {
    const base = { pairId: 'x', slot: 1 as const, method: 'GD' as const };
    const kept = effectiveCases({ promptHashes: { GD: 'h' } }, [
      { ...base, answer: 'B', promptHash: 'h', computedAt: 20 },
      { ...base, answer: 'A', promptHash: 'h', computedAt: 10 },
      { ...base, answer: null, promptHash: 'other', computedAt: 30 },
    ]);
    expect(kept.map((c) => c.answer)).toEqual(['A', 'B']);
  });

  it('refuses a run on another dataset', () => {
    expect(() => computeRunResults({ ...run, datasetHash: 'ffff' }, records, officialDataset)).toThrow(
      /answers dataset ffff/,
    );
  });
});

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

  it('official score JSON holds the summed table', () => {
    const file = buildExport({ kind: 'official-score', method: 'GD' }, input);
    expect(file.fileName).toBe('HuggingFaceTB_SmolVLM-256M-Instruct_greedy_score.json');
    const table = JSON.parse(file.text) as { set_score: { total: number } };
    expect(table.set_score.total).toBe(results.byMethod.GD!.metrics.counts.setCorrect);
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

describe('run card', () => {
  it('holds everything needed to reproduce the run', () => {
    const results = computeRunResults(run, records, officialDataset);
    const card = buildRunCard(run, officialDataset, results);
    expect(card).toMatchObject({
      format: 'mediconfusion-run-card',
      runId: 'run-1',
      model: { id: run.model.modelId, revision: 'abc123', sourceKind: 'hub' },
      device: 'webgpu',
      dtype: 'q8',
      methods: ['GD', 'PS', 'MC'],
      promptHashes: run.promptHashes,
      engineVersion: '1',
      dataset: { name: 'MediConfusion', hash: officialDataset.hash, pairs: 176 },
      browser: run.runCard.browser,
      libraryVersions: run.runCard.libraryVersions,
      createdAt: '2025-01-02T03:04:05.000Z',
      statistics: { bootstrap: { iterations: 2000, seed: 1, level: 0.95 } },
    });
    expect(card.results?.GD?.setAccuracy).toBe(results.byMethod.GD!.metrics.setAccuracy);
    expect(card.results?.GD?.setAccuracyCI).toEqual([
      results.byMethod.GD!.setAccuracyCI.lower,
      results.byMethod.GD!.setAccuracyCI.upper,
    ]);
    // Without the dataset there are no numbers, but the card still describes the run.
    const bare = buildRunCard(run, null, null);
    expect(bare.results).toBeNull();
    expect(bare.dataset.pairs).toBeNull();
  });
});

describe('published results', () => {
  it('reads paper Table 1, Table 2 and random guessing', () => {
    expect(PAPER_RESULTS.table1).toHaveLength(12);
    expect(PAPER_RESULTS.table1[0]).toMatchObject({ model: 'Llama 3.2', bestSetAccuracy: 15.34 });
    // Methods a model was not evaluated with are absent, not 0.
    const gemini = PAPER_RESULTS.table1.find((r) => r.model === 'Gemini 1.5 Pro')!;
    expect(gemini.setAccuracy).toEqual({ MC: 19.89 });
    expect(PAPER_RESULTS.table2[0]!.byCategory.Cerebral).toEqual({
      setAccuracy: 21.52,
      individualAccuracy: 60.76,
    });
    expect(PAPER_RESULTS.random).toEqual({ setAccuracy: 25, individualAccuracy: 50, confusion: 50 });
  });
});
