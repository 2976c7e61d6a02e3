// The run's identity: run id and prompt hashes from what the user chose, FF's judge and settings
// inside FF's prompt hash (never the run id), and the blind baseline derived from the main run.
import { describe, expect, it } from 'vitest';
import { stableHash } from '../../../../src/core/hash.ts';
import { familyById } from '../../../../src/core/modelFamilies.ts';
import { promptTemplateHash } from '../../../../src/core/prompts.ts';
import {
  blindIdentity,
  computeRunId,
  ENGINE_VERSION,
  runIdentity,
  RunSetupError,
  type RunSetup,
} from '../../../../src/core/run/identity.ts';

const family = familyById('smolvlm');
const judge = { modelId: 'org/judge', revision: 'main', dtype: 'q8' };
const setup: RunSetup = {
  datasetHash: 'd1',
  modelId: 'org/model',
  revision: 'main',
  dtype: 'q8',
  device: 'wasm',
  family,
  methods: ['FF', 'GD', 'MC', 'PS'],
  freeForm: { judge, maxNewTokens: 64, threshold: 3 },
};

describe('runIdentity', () => {
  it('lists methods in the fixed order and hashes each method’s template', () => {
    const id = runIdentity(setup);
    expect(id.methods).toEqual(['GD', 'PS', 'MC', 'FF']);
    expect(id.promptHashes.GD).toBe(promptTemplateHash('GD', family));
    expect(id.promptHashes.MC).toBe(promptTemplateHash('MC', family));
    expect(id.runId).toBe(
      computeRunId({
        datasetHash: 'd1',
        modelId: 'org/model',
        revision: 'main',
        dtype: 'q8',
        device: 'wasm',
        engineVersion: ENGINE_VERSION,
      }),
    );
  });

  it('puts the judge and the FF settings in FF’s prompt hash only', () => {
    const a = runIdentity(setup);
    const otherJudge = runIdentity({
      ...setup,
      freeForm: { ...setup.freeForm!, judge: { ...judge, modelId: 'org/other' } },
    });
    const longer = runIdentity({ ...setup, freeForm: { ...setup.freeForm!, maxNewTokens: 16 } });
    const stricter = runIdentity({ ...setup, freeForm: { ...setup.freeForm!, threshold: 5 } });
    for (const b of [otherJudge, longer, stricter]) {
      expect(b.runId).toBe(a.runId);
      expect(b.promptHashes.GD).toBe(a.promptHashes.GD);
      expect(b.promptHashes.FF).not.toBe(a.promptHashes.FF);
    }
    expect(a.promptHashes.FF).not.toBe(promptTemplateHash('FF', family));
  });

  it('refuses FF without a judge, and a run without methods', () => {
    expect(() => runIdentity({ ...setup, freeForm: null })).toThrow(RunSetupError);
    expect(() => runIdentity({ ...setup, methods: [] })).toThrow(/at least one method/);
    // Without FF the judge is not part of anything.
    const noFF = runIdentity({ ...setup, methods: ['GD'], freeForm: null });
    expect(noFF.freeForm).toBeNull();
    expect(Object.keys(noFF.promptHashes)).toEqual(['GD']);
  });
});

describe('blindIdentity', () => {
  it('keeps only GD and PS, with their prompt hashes, under its own run id linked to the main run', () => {
    const main = runIdentity(setup);
    const blind = blindIdentity(main)!;
    expect(blind.methods).toEqual(['GD', 'PS']);
    expect(blind.promptHashes).toEqual({ GD: main.promptHashes.GD, PS: main.promptHashes.PS });
    expect(blind.imageCondition).toBe('blank');
    expect(blind.blindOf).toBe(main.runId);
    expect(blind.runId).not.toBe(main.runId);
    // Pinned formula: stored blind runs were filed under exactly this hash.
    expect(blind.runId).toBe(stableHash({ ...main.key, imageCondition: 'blank' }));
  });

  it('is null for a run with nothing to ask blind', () => {
    expect(blindIdentity(runIdentity({ ...setup, methods: ['MC', 'FF'] }))).toBeNull();
  });
});

describe('the GD letter rule in the run identity', () => {
  const pinned = stableHash({
    datasetHash: 'd1',
    modelId: 'org/model',
    revision: 'main',
    dtype: 'q8',
    device: 'wasm',
    engineVersion: ENGINE_VERSION,
  });

  it('leaves the run id and GD prompt hash of the official rule as they always were', () => {
    for (const id of [runIdentity(setup), runIdentity({ ...setup, letterRule: 'official' })]) {
      expect(id.runId).toBe(pinned);
      expect(id.key).not.toHaveProperty('letterRule');
      expect(id.promptHashes.GD).toBe(promptTemplateHash('GD', family));
      expect(id.letterRule).toBe('official');
    }
  });

  it('gives each other rule its own run id, GD prompt hash and blind sibling; other methods keep theirs', () => {
    const ids = (['official', 'as-written', 'both'] as const).map((letterRule) =>
      runIdentity({ ...setup, letterRule }),
    );
    expect(new Set(ids.map((i) => i.runId)).size).toBe(3);
    expect(new Set(ids.map((i) => i.promptHashes.GD)).size).toBe(3);
    expect(new Set(ids.map((i) => blindIdentity(i)!.runId)).size).toBe(3);
    for (const i of ids) {
      expect(i.promptHashes.PS).toBe(ids[0]!.promptHashes.PS);
      expect(i.promptHashes.MC).toBe(ids[0]!.promptHashes.MC);
      expect(blindIdentity(i)!.letterRule).toBe(i.letterRule);
    }
    expect(ids[1]!.key.letterRule).toBe('as-written');
    expect(ids[1]!.runId).toBe(stableHash({ ...ids[0]!.key, letterRule: 'as-written' }));
  });

  it('is ignored by a run without GD (the rule changes only GD’s numbers)', () => {
    const psOnly = { ...setup, methods: ['PS', 'MC'] as const, freeForm: null };
    expect(runIdentity({ ...psOnly, letterRule: 'both' }).runId).toBe(runIdentity(psOnly).runId);
    expect(runIdentity({ ...psOnly, letterRule: 'both' }).letterRule).toBe('official');
  });
});
