import { describe, expect, it } from 'vitest';
import { cleanRunName, defaultRunName, runName, shortDate } from '../../../../src/core/run/runName.ts';

const run = {
  model: { sourceKind: 'hub' as const, modelId: 'HuggingFaceTB/SmolVLM-256M-Instruct', revision: 'main' },
  dtype: 'q8',
  device: 'webgpu' as const,
  methods: ['GD', 'PS'],
  createdAt: new Date(2026, 11, 2, 4, 22).getTime(),
};

describe('run names', () => {
  it('defaults to model, dtype, device, methods and start date', () => {
    expect(defaultRunName(run)).toBe('SmolVLM-256M-Instruct · q8 · webgpu · GD+PS · 2026-12-02 04:22');
    expect(defaultRunName({ ...run, dtype: 'decoder_model_merged=q4,embed_tokens=fp16' })).toContain(
      ' · mixed dtypes · ',
    );
    expect(defaultRunName({ ...run, imageCondition: 'blank' })).toContain('GD+PS · blank image · ');
    expect(shortDate(Number.NaN)).toBe('undated');
  });

  it('names the settings that make its numbers not the paper’s: single view, a GD letter rule', () => {
    const single = { ...run, runCard: { preprocessing: { choice: 'single-view' } } };
    expect(defaultRunName(single)).toBe(
      'SmolVLM-256M-Instruct · q8 · webgpu · GD+PS · single view · 2026-12-02 04:22',
    );
    expect(defaultRunName({ ...run, letterRule: 'as-written' as const })).toContain(
      'GD+PS · GD letters as written · ',
    );
    // Without GD a letter rule changes nothing, and the official rule is the default.
    expect(defaultRunName({ ...run, methods: ['PS'], letterRule: 'both' as const })).not.toContain('letters');
    expect(defaultRunName({ ...run, letterRule: 'official' as const })).not.toContain('letters');
  });

  it('uses the user’s name when there is one, tidied and limited', () => {
    expect(runName({ ...run, name: 'Baseline' })).toBe('Baseline');
    expect(runName({ ...run, name: '   ' })).toBe(defaultRunName(run));
    expect(cleanRunName('  two   words \n')).toBe('two words');
    expect(cleanRunName('x'.repeat(200))).toHaveLength(80);
  });
});
