// The cache self-check's tolerance fits the dtype (core/run/cacheCheck): on every dtype variant
// of the SmolVLM replica (fp32, fp16, q8, q4, q4f16), loaded as a family whose prefix cache is
// self-checked, a cached run keeps the cache (the first image's check passes with that dtype's
// tolerance, recorded in the run's scoring report), and over every case of the run the cached
// answers stay within that tolerance of a full recomputation. Under the old single 1e-4, q8's
// dynamic quantization failed the check and the run was silently recomputed in full.
import { beforeAll, describe, expect, it } from 'vitest';
import { CACHE_TOLERANCES, cacheCheckVerdict } from '../../src/core/run/cacheCheck.ts';
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import type { CaseRequest, Dtype } from '../../src/core/run/vocabulary.ts';
import type { CaseRecord } from '../../src/core/types.ts';
import { compareCaseRecords } from '../../src/core/recordComparison.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { IMAGES_DIR, officialDataset } from '../support/fixtures.ts';
import { replicaDir } from '../support/replicaSuite.ts';

const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'];
const dataset = officialDataset();
// Three pairs, GD + PS + MC: the first image is the self-check, the others run cached.
const pairs = dataset.pairs.slice(0, 3);
const byId = new Map(pairs.map((p) => [p.id, p]));
const requests: CaseRequest[] = pairs.flatMap((p) =>
  ([1, 2] as const).flatMap((slot) =>
    (['GD', 'PS', 'MC'] as const).map((method) => ({ pairId: p.id, slot, method })),
  ),
);

let engine: NodeEngine;

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
});

async function run(lm: LoadedModel, mode: 'cached' | 'full') {
  const records: CaseRecord[] = [];
  const outcome = await engine.runCases(
    lm,
    byId,
    imageGroupsOf(requests, byId),
    folderImageLoader(engine, IMAGES_DIR),
    { mode, onRecord: (r) => void records.push(r) },
    new engine.Scorer(lm, engine.newCounters()),
  );
  return { records, outcome };
}

describe.each(DTYPES)('replica-smolvlm %s, self-checked', (dtype) => {
  it(`keeps the cache with ${dtype}'s tolerance, and cached stays within it of full`, async () => {
    const loaded = await engine.loadModel(
      { source: { kind: 'path', path: replicaDir('replica-smolvlm') }, device: 'wasm', dtype },
      engine.host,
    );
    const lm: LoadedModel = { ...loaded, family: { ...loaded.family, prefixCache: 'self-check' } };
    const cached = await run(lm, 'cached');
    const full = await run(lm, 'full');
    const tolerance = CACHE_TOLERANCES[dtype].maxProbDiff;
    const check = cached.outcome.cacheCheck!;
    const whole = compareCaseRecords(cached.records, full.records);
    console.log(
      `replica-smolvlm ${dtype}: self-check max |Δp| ${check.maxProbDiff.toExponential(2)} over ${check.cases} cases; ` +
        `whole run cached vs full max |Δp| ${whole.maxProbDiff.toExponential(2)}, ` +
        `${whole.answerMismatches.length} answers and ${whole.textMismatches.length} texts differ of ${whole.compared}; tolerance ${tolerance}`,
    );
    expect(cached.outcome.modeUsed).toBe('cached');
    expect(cached.outcome.modeReason).toBeUndefined();
    expect(check).toMatchObject({
      passed: true,
      tolerance,
      toleranceDtype: dtype,
      exactDecisions: CACHE_TOLERANCES[dtype].exactDecisions,
    });
    expect(whole.compared).toBe(requests.length);
    expect(whole.maxProbDiff).toBeLessThanOrEqual(tolerance);
    if (dtype === 'fp32') {
      expect(whole.answerMismatches).toEqual([]);
      expect(whole.textMismatches).toEqual([]);
    }
    if (dtype === 'q8') {
      // The old rule (1e-4, identical text, for every dtype) would have dropped this run to full.
      expect(cacheCheckVerdict(cached.records, full.records, 'fp32').passed).toBe(false);
    }
    await loaded.model.dispose();
  }, 300_000);
});
