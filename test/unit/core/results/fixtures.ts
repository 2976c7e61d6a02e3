// Shared helpers for the Results tests: seeded, realistic per-case records (GD probabilities, PS
// scores and token log-probabilities, MC generated text), stored runs, and a run's numbers to compare.
import { mulberry32 } from '../../../../src/core/statistics.ts';
import type { Answer, CaseRecord, Dataset, Method } from '../../../../src/core/types.ts';
import type { RunResults } from '../../../../src/core/results/runResults.ts';
import type { RunRecord } from '../../../../src/core/run/records.ts';

/** Every case of `methods` on every pair, answers drawn with the given seed (MC sometimes invalid). */
export function randomRecords(dataset: Dataset, methods: readonly Method[], seed = 7): CaseRecord[] {
  const random = mulberry32(seed);
  const records: CaseRecord[] = [];
  for (const pair of dataset.pairs) {
    for (const slot of [1, 2] as const) {
      for (const method of methods) {
        const pA = random();
        const letter: 'A' | 'B' = pA >= 0.5 ? 'A' : 'B';
        const record: CaseRecord = { pairId: pair.id, slot, method, answer: letter };
        if (method === 'GD') record.probabilities = { A: pA, B: 1 - pA };
        if (method === 'PS') {
          const a = [Math.log(pA + 1e-3), -0.25];
          const b = [Math.log(1 - pA + 1e-3), -0.25];
          record.tokenLogProbs = { A: a, B: b };
          record.prefixScores = { A: Math.exp((a[0]! + a[1]!) / 2), B: Math.exp((b[0]! + b[1]!) / 2) };
        }
        if (method === 'MC' || method === 'FF') {
          const invalid = random() < 0.1;
          const answer: Answer = invalid ? null : letter;
          record.answer = answer;
          record.generatedText = invalid ? 'I cannot tell, "quoted", text' : `${letter}. the option`;
          if (method === 'FF') {
            const scores = invalid ? { A: 5, B: 5 } : letter === 'A' ? { A: 9, B: 2 } : { A: 1, B: 8 };
            record.judge = {
              rawText: `Score of Answer A: ${scores.A}\nScore of Answer B: ${scores.B}`,
              scores,
            };
          }
        }
        records.push(record);
      }
    }
  }
  return records;
}

export function makeRun(id: string, dataset: Dataset, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    label: `Run ${id}`,
    name: `Run ${id}`,
    datasetHash: dataset.hash,
    datasetName: dataset.name,
    model: { sourceKind: 'hub', modelId: 'HuggingFaceTB/SmolVLM-256M-Instruct', revision: 'abc123' },
    device: 'webgpu',
    dtype: 'q8',
    methods: ['GD', 'PS', 'MC'],
    promptHashes: { GD: 'hash-gd', PS: 'hash-ps', MC: 'hash-mc' },
    engineVersion: '1',
    status: 'complete',
    createdAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    updatedAt: Date.UTC(2025, 0, 2, 4, 0, 0),
    runCard: {
      browser: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140',
      libraryVersions: { '@huggingface/transformers': '4.3.1', 'onnxruntime-web': '1.31.0' },
      mode: 'cached',
    },
    imported: false,
    ...overrides,
  };
}

/** Everything Table 1 shows, for comparing two computations of a run. */
export function numbers(r: RunResults) {
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
