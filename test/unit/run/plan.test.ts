// Run planning: which cases are still to compute (resume skips stored ones, pairs lacking an image
// are not run), run-id stability, and the rate/ETA maths behind the progress line.
import { describe, expect, it } from 'vitest';
import { promptTemplateHash } from '../../../src/core/prompts.ts';
import { caseKey } from '../../../src/db/schema.ts';
import { RateMeter, etaSeconds } from '../../../src/state/engineClient.ts';
import { computeRunId, planRun, type RunIdentity } from '../../../src/state/runStore.ts';
import { makePair } from '../core/fixtures.ts';

const pairs = [
  makePair('p1', 'A', ['Cerebral'], ['Cerebral']),
  makePair('p2', 'B', ['Cardiac'], ['Cardiac']),
];
const allImages = new Set(['p11', 'p12', 'p21', 'p22']);
const hashes = { GD: promptTemplateHash('GD'), PS: promptTemplateHash('PS'), MC: promptTemplateHash('MC') };

describe('planRun', () => {
  it('plans every (pair, slot, method) case of a fresh run in pair, slot, method order', () => {
    const plan = planRun({
      runId: 'r',
      pairs,
      methods: ['PS', 'GD'],
      presentImageIds: allImages,
      storedKeys: new Set(),
      promptHashes: hashes,
    });
    expect(plan.total).toBe(8);
    expect(plan.alreadyDone).toBe(0);
    expect(plan.cases.map((c) => `${c.pairId}:${c.slot}:${c.method}`)).toEqual([
      'p1:1:GD',
      'p1:1:PS',
      'p1:2:GD',
      'p1:2:PS',
      'p2:1:GD',
      'p2:1:PS',
      'p2:2:GD',
      'p2:2:PS',
    ]);
    expect(plan.notRunPairs).toEqual([]);
  });

  it('skips cases already stored for the run, so a resume computes only the rest', () => {
    const storedKeys = new Set([
      caseKey('r', 'GD', hashes.GD, 'p1', 1),
      caseKey('r', 'GD', hashes.GD, 'p1', 2),
      caseKey('r', 'GD', hashes.GD, 'p2', 1),
    ]);
    const plan = planRun({
      runId: 'r',
      pairs,
      methods: ['GD'],
      presentImageIds: allImages,
      storedKeys,
      promptHashes: hashes,
    });
    expect(plan.total).toBe(4);
    expect(plan.alreadyDone).toBe(3);
    expect(plan.cases).toEqual([{ pairId: 'p2', slot: 2, method: 'GD' }]);
  });

  it('does not count cases of another run or another prompt as done', () => {
    const storedKeys = new Set([
      caseKey('other-run', 'GD', hashes.GD, 'p1', 1),
      caseKey('r', 'GD', 'an-older-prompt', 'p1', 2),
    ]);
    const plan = planRun({
      runId: 'r',
      pairs,
      methods: ['GD'],
      presentImageIds: allImages,
      storedKeys,
      promptHashes: hashes,
    });
    expect(plan.alreadyDone).toBe(0);
    expect(plan.cases).toHaveLength(4);
  });

  it('leaves out pairs lacking either image and lists exactly what they lack', () => {
    const plan = planRun({
      runId: 'r',
      pairs,
      methods: ['GD', 'MC'],
      presentImageIds: new Set(['p11', 'p12', 'p21']),
      storedKeys: new Set(),
      promptHashes: hashes,
    });
    expect(plan.runnablePairs.map((p) => p.id)).toEqual(['p1']);
    expect(plan.notRunPairs).toEqual([{ pairId: 'p2', missing: ['p22'] }]);
    expect(plan.total).toBe(4);
    expect(plan.cases.every((c) => c.pairId === 'p1')).toBe(true);
  });

  it('names a shared missing image once', () => {
    const shared = makePair('s', 'A', [], [], { im1Local: 'x', im2Local: 'x' });
    const plan = planRun({
      runId: 'r',
      pairs: [shared],
      methods: ['GD'],
      presentImageIds: new Set(),
      storedKeys: new Set(),
      promptHashes: hashes,
    });
    expect(plan.notRunPairs).toEqual([{ pairId: 's', missing: ['x'] }]);
  });
});

describe('computeRunId', () => {
  const identity: RunIdentity = {
    datasetHash: 'd1',
    modelId: 'HuggingFaceTB/SmolVLM-256M-Instruct',
    revision: 'main',
    dtype: 'q8',
    device: 'wasm',
    engineVersion: '1',
  };

  it('is stable: the same configuration always gives the same id, whatever the key order', () => {
    const reordered = {
      engineVersion: '1',
      device: 'wasm',
      dtype: 'q8',
      revision: 'main',
      modelId: 'HuggingFaceTB/SmolVLM-256M-Instruct',
      datasetHash: 'd1',
    } as const;
    expect(computeRunId(identity)).toBe(computeRunId(reordered));
    expect(computeRunId(identity)).toMatch(/^[0-9a-f]{16}$/);
    // Pinned: a change here would orphan every stored run.
    expect(computeRunId(identity)).toBe('5a8e9f521b9e5ddf');
  });

  it('changes with every part of the identity', () => {
    const base = computeRunId(identity);
    const variants: Partial<RunIdentity>[] = [
      { datasetHash: 'd2' },
      { modelId: 'HuggingFaceTB/SmolVLM-500M-Instruct' },
      { revision: 'abc123' },
      { dtype: 'fp32' },
      { device: 'webgpu' },
      { engineVersion: '2' },
    ];
    const ids = variants.map((v) => computeRunId({ ...identity, ...v }));
    expect(new Set([base, ...ids]).size).toBe(variants.length + 1);
  });

  it('ignores anything outside the identity (e.g. extra fields a caller passes)', () => {
    const extended = { ...identity, label: 'my run' } as RunIdentity;
    expect(computeRunId(extended)).toBe(computeRunId(identity));
  });
});

describe('RateMeter and etaSeconds', () => {
  it('measures the rate over the window and ignores older samples', () => {
    const meter = new RateMeter(10_000);
    expect(meter.rate()).toBeNull();
    meter.add(0, 0);
    meter.add(200, 1);
    expect(meter.rate()).toBeNull(); // under 0.5 s of data: too noisy to show
    meter.add(1000, 10);
    expect(meter.rate()).toBeCloseTo(10);
    // Slow for 10 s: the fast start drops out of the 10 s window.
    for (let t = 2000; t <= 21_000; t += 1000) meter.add(t, 10 + (t - 1000) / 1000);
    expect(meter.rate()).toBeCloseTo(1);
  });

  it('restarts when the counter goes back', () => {
    const meter = new RateMeter();
    meter.add(0, 100);
    meter.add(1000, 200);
    meter.add(2000, 5);
    expect(meter.rate()).toBeNull();
  });

  it('turns remaining work and a rate into seconds', () => {
    expect(etaSeconds(100, 4)).toBe(25);
    expect(etaSeconds(0, null)).toBe(0);
    expect(etaSeconds(10, null)).toBeNull();
    expect(etaSeconds(10, 0)).toBeNull();
    expect(etaSeconds(10, Number.NaN)).toBeNull();
  });
});
