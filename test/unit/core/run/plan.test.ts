// Run planning: which cases are still to compute (resume skips stored ones, pairs lacking an image
// are not run), grouped by image in the engine's order, and run-id stability.
import { describe, expect, it } from 'vitest';
import { promptTemplateHash } from '../../../../src/core/prompts.ts';
import { caseKey } from '../../../../src/core/run/records.ts';
import { computeRunId, type RunKey } from '../../../../src/core/run/identity.ts';
import { BLANK_IMAGE_ID, imageGroupsOf, planRun, plannedCases } from '../../../../src/core/run/plan.ts';
import { makePair } from '../fixtures.ts';

const pairs = [
  makePair('p1', 'A', ['Cerebral'], ['Cerebral']),
  makePair('p2', 'B', ['Cardiac'], ['Cardiac']),
];
const allImages = new Set(['p11', 'p12', 'p21', 'p22']);
const hashes = { GD: promptTemplateHash('GD'), PS: promptTemplateHash('PS'), MC: promptTemplateHash('MC') };

describe('planRun', () => {
  it('plans every (pair, slot, method) case of a fresh run in pair, slot, method order', () => {
    const plan = planRun({
      identity: { runId: 'r', methods: ['PS', 'GD'], promptHashes: hashes, imageCondition: 'real' },
      pairs,
      presentImageIds: allImages,
      storedKeys: new Set(),
    });
    expect(plan.total).toBe(8);
    expect(plan.alreadyDone).toBe(0);
    expect(plannedCases(plan.images).map((c) => `${c.pairId}:${c.slot}:${c.method}`)).toEqual([
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
      identity: { runId: 'r', methods: ['GD'], promptHashes: hashes, imageCondition: 'real' },
      pairs,
      presentImageIds: allImages,
      storedKeys: storedKeys,
    });
    expect(plan.total).toBe(4);
    expect(plan.alreadyDone).toBe(3);
    expect(plannedCases(plan.images)).toEqual([{ pairId: 'p2', slot: 2, method: 'GD' }]);
  });

  it('does not count cases of another run or another prompt as done', () => {
    const storedKeys = new Set([
      caseKey('other-run', 'GD', hashes.GD, 'p1', 1),
      caseKey('r', 'GD', 'an-older-prompt', 'p1', 2),
    ]);
    const plan = planRun({
      identity: { runId: 'r', methods: ['GD'], promptHashes: hashes, imageCondition: 'real' },
      pairs,
      presentImageIds: allImages,
      storedKeys: storedKeys,
    });
    expect(plan.alreadyDone).toBe(0);
    expect(plannedCases(plan.images)).toHaveLength(4);
  });

  it('leaves out pairs lacking either image and lists exactly what they lack', () => {
    const plan = planRun({
      identity: { runId: 'r', methods: ['GD', 'MC'], promptHashes: hashes, imageCondition: 'real' },
      pairs,
      presentImageIds: new Set(['p11', 'p12', 'p21']),
      storedKeys: new Set(),
    });
    expect(plan.runnablePairs.map((p) => p.id)).toEqual(['p1']);
    expect(plan.notRunPairs).toEqual([{ pairId: 'p2', missing: ['p22'] }]);
    expect(plan.total).toBe(4);
    expect(plannedCases(plan.images).every((c) => c.pairId === 'p1')).toBe(true);
  });

  it('names a shared missing image once', () => {
    const shared = makePair('s', 'A', [], [], { im1Local: 'x', im2Local: 'x' });
    const plan = planRun({
      identity: { runId: 'r', methods: ['GD'], promptHashes: hashes, imageCondition: 'real' },
      pairs: [shared],
      presentImageIds: new Set(),
      storedKeys: new Set(),
    });
    expect(plan.notRunPairs).toEqual([{ pairId: 's', missing: ['x'] }]);
  });
});

describe('planRun groups by image', () => {
  it('puts every case of an image in one group, in first-appearance order, even across pairs', () => {
    // p2's first image is p1's second: the engine must see that image once, with both pairs' cases.
    const sharing = [
      makePair('p1', 'A', [], [], { im1Local: 'a', im2Local: 'b' }),
      makePair('p2', 'B', [], [], { im1Local: 'b', im2Local: 'c' }),
    ];
    const plan = planRun({
      identity: { runId: 'r', methods: ['MC', 'GD'], promptHashes: hashes, imageCondition: 'real' },
      pairs: sharing,
      presentImageIds: new Set(['a', 'b', 'c']),
      storedKeys: new Set([caseKey('r', 'GD', hashes.GD, 'p2', 1)]),
    });
    expect(plan.images).toEqual([
      { localId: 'a', cases: [{ pairId: 'p1', slot: 1, methods: ['GD', 'MC'] }] },
      {
        localId: 'b',
        cases: [
          { pairId: 'p1', slot: 2, methods: ['GD', 'MC'] },
          { pairId: 'p2', slot: 1, methods: ['MC'] },
        ],
      },
      { localId: 'c', cases: [{ pairId: 'p2', slot: 2, methods: ['GD', 'MC'] }] },
    ]);
    expect(plan.pending).toBe(7);
    expect(plan.alreadyDone).toBe(1);
  });

  it('gives the blind baseline one blank image for every case and needs no image of the user', () => {
    const plan = planRun({
      identity: { runId: 'b', methods: ['GD'], promptHashes: hashes, imageCondition: 'blank' },
      pairs,
      presentImageIds: new Set(),
      storedKeys: new Set(),
    });
    expect(plan.notRunPairs).toEqual([]);
    expect(plan.images.map((g) => g.localId)).toEqual([BLANK_IMAGE_ID]);
    expect(plannedCases(plan.images)).toHaveLength(4);
  });

  it('imageGroupsOf groups a flat case list the same way as the plan', () => {
    const plan = planRun({
      identity: { runId: 'r', methods: ['GD', 'PS'], promptHashes: hashes, imageCondition: 'real' },
      pairs,
      presentImageIds: allImages,
      storedKeys: new Set(),
    });
    const flat = plannedCases(plan.images);
    expect(imageGroupsOf(flat, new Map(pairs.map((p) => [p.id, p])))).toEqual(plan.images);
  });
});

describe('computeRunId', () => {
  const identity: RunKey = {
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
    const variants: Partial<RunKey>[] = [
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
    const extended = { ...identity, label: 'my run' } as RunKey;
    expect(computeRunId(extended)).toBe(computeRunId(identity));
  });
});
