// Cached PS scores both options' tails in one batched decoder call from the question's cache
// (workers/engine/methods/ps.ts, Decoder.forwardBatch): on the tiny model and on replica-smolvlm
// (which splits its images), a PS case costs exactly 2 decoder calls (the question, then both
// options; the one-call-per-option path cost 3), its per-token log-probabilities equal the
// unbatched ones (the same family with batching turned off in its adapter) within 1e-5, and the
// tokens prefilled are still the analytic minimum (Scorer.minimumPrefillTokens). A q8 decoder,
// whose activations are quantised with one scale per call, is not batched (rows would share it).
import { beforeAll, describe, expect, it } from 'vitest';
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import type { CaseRecord } from '../../src/core/types.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { replicaDir } from '../support/replicaSuite.ts';

const dataset = officialDataset();
const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));
const requests = dataset.pairs
  .slice(0, 4)
  .flatMap((p) => ([1, 2] as const).map((slot) => ({ pairId: p.id, slot, method: 'PS' as const })));

let engine: NodeEngine;
beforeAll(async () => {
  engine = await createNodeEngine('wasm');
});

/** The same model with its family's continuations not batched: one decoder call per option. */
function unbatched(lm: LoadedModel): LoadedModel {
  return { ...lm, adapter: { ...lm.adapter, batchContinuationInputs: undefined } };
}

/** Cached PS on every request, image by image, with the decoder calls each case cost. */
async function scorePs(lm: LoadedModel) {
  const scorer = new engine.Scorer(lm, engine.newCounters());
  const planner = new engine.Scorer(lm, engine.newCounters());
  const load = folderImageLoader(engine, IMAGES_DIR);
  const groups = imageGroupsOf(requests, pairs);
  const records: CaseRecord[] = [];
  const callsPerCase: number[] = [];
  let minimumPrefill = 0;
  for (const group of groups) {
    const work = engine.imageWork(group, pairs, (await load(group.localId))!);
    minimumPrefill += await planner.minimumPrefillTokens(work);
    let calls = scorer.counters.decoderCalls + 1; // the image prefix's call comes first
    await scorer.scoreImage(work, 'cached', {
      onRecord: (r) => {
        records.push(r);
        callsPerCase.push(scorer.counters.decoderCalls - calls);
        calls = scorer.counters.decoderCalls;
      },
      checkpoint: async () => undefined,
    });
  }
  return { records, callsPerCase, counters: scorer.counters, minimumPrefill, images: groups.length };
}

describe.each([
  ['tiny-smolvlm', TINY_MODEL_DIR],
  ['replica-smolvlm', replicaDir('replica-smolvlm')],
])('PS batched on %s', (name, dir) => {
  let lm: LoadedModel;
  beforeAll(async () => {
    lm = await engine.loadModel(
      { source: { kind: 'path', path: dir }, device: 'wasm', dtype: 'fp32' },
      engine.host,
    );
  });

  it('costs 2 decoder calls per case and equals the one-call-per-option scores within 1e-5', async () => {
    const batched = await scorePs(lm);
    const single = await scorePs(unbatched(lm));
    expect(batched.records).toHaveLength(requests.length);
    // Every option has a tail of its own (2+ tokens), so the batch really runs with both rows,
    // and some case's options differ in length, so a row really is padded.
    for (const r of batched.records) {
      expect(r.tokenLogProbs!.A.length).toBeGreaterThanOrEqual(2);
      expect(r.tokenLogProbs!.B.length).toBeGreaterThanOrEqual(2);
    }
    expect(batched.records.some((r) => r.tokenLogProbs!.A.length !== r.tokenLogProbs!.B.length)).toBe(true);

    // The question, then both options in one call; unbatched, one call per option.
    expect(batched.callsPerCase).toEqual(requests.map(() => 2));
    expect(single.callsPerCase).toEqual(requests.map(() => 3));
    expect(batched.counters.decoderCalls).toBe(batched.images + 2 * requests.length);

    let maxLogProbDiff = 0;
    let maxScoreDiff = 0;
    for (const [i, r] of batched.records.entries()) {
      const o = single.records[i]!;
      expect([r.pairId, r.slot, r.answer]).toEqual([o.pairId, o.slot, o.answer]);
      for (const letter of ['A', 'B'] as const) {
        const a = r.tokenLogProbs![letter];
        const b = o.tokenLogProbs![letter];
        expect(a.length).toBe(b.length);
        a.forEach((lp, t) => (maxLogProbDiff = Math.max(maxLogProbDiff, Math.abs(lp - b[t]!))));
        maxScoreDiff = Math.max(maxScoreDiff, Math.abs(r.prefixScores![letter] - o.prefixScores![letter]));
      }
    }
    console.log(
      `${name}: PS batched vs unbatched max |Δ log p| = ${maxLogProbDiff.toExponential(2)}, ` +
        `max |Δ score| = ${maxScoreDiff.toExponential(2)} over ${requests.length} cases`,
    );
    expect(maxLogProbDiff).toBeLessThanOrEqual(1e-5);

    // Only real tokens count as prefilled: the batch's padding is not work.
    expect(batched.counters.tokensPrefilled).toBe(batched.minimumPrefill);
    expect(single.counters.tokensPrefilled).toBe(batched.minimumPrefill);
  });
});

describe('PS on a decoder that quantises activations per call (replica-smolvlm q8)', () => {
  it("keeps one call per option, so one option never moves the other one's scale", async () => {
    const lm = await engine.loadModel(
      { source: { kind: 'path', path: replicaDir('replica-smolvlm') }, device: 'wasm', dtype: 'q8' },
      engine.host,
    );
    const { callsPerCase, counters, minimumPrefill } = await scorePs(lm);
    expect(callsPerCase).toEqual(requests.map(() => 3));
    expect(counters.tokensPrefilled).toBe(minimumPrefill);
  });
});
