// Per-file dtype choices: how one is read (CLI and page), named in a run's identity, resolved
// against a model's files, and read from a repo's transformers.js_config.
import { describe, expect, it } from 'vitest';
import {
  declaredDtype,
  dtypeLabel,
  DtypeChoiceError,
  parseDtypeChoice,
  resolveDtypeChoice,
  withFileDtypes,
} from '../../../../src/core/run/dtypes.ts';

const FILES = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'];

describe('parseDtypeChoice', () => {
  it('reads one dtype, a file=dtype list and JSON', () => {
    expect(parseDtypeChoice(' q4 ')).toBe('q4');
    expect(parseDtypeChoice('vision_encoder=fp16, decoder_model_merged:q4')).toEqual({
      vision_encoder: 'fp16',
      decoder_model_merged: 'q4',
    });
    expect(parseDtypeChoice('{"embed_tokens":"q8"}')).toEqual({ embed_tokens: 'q8' });
  });

  it('names the bad part', () => {
    expect(() => parseDtypeChoice('q5')).toThrow(DtypeChoiceError);
    expect(() => parseDtypeChoice('vision_encoder=q5')).toThrow(/"q5" for vision_encoder is not a dtype/);
    expect(() => parseDtypeChoice('vision_encoder')).toThrow(/"vision_encoder" is not "file=dtype"/);
    expect(() => parseDtypeChoice('{"a": 1')).toThrow(/not valid JSON/);
    expect(() => parseDtypeChoice('[]')).toThrow(DtypeChoiceError);
  });
});

describe('dtypeLabel', () => {
  it('is the dtype itself, or the map sorted by file; a uniform map is its dtype', () => {
    expect(dtypeLabel('fp16')).toBe('fp16');
    expect(dtypeLabel({ vision_encoder: 'fp16', decoder_model_merged: 'q4', embed_tokens: 'q4' })).toBe(
      'decoder_model_merged=q4,embed_tokens=q4,vision_encoder=fp16',
    );
    expect(dtypeLabel({ b: 'q8', a: 'q8' })).toBe('q8');
  });

  it('reads back what it writes', () => {
    const map = { decoder_model_merged: 'q4', embed_tokens: 'fp16', vision_encoder: 'fp32' } as const;
    expect(parseDtypeChoice(dtypeLabel(map))).toEqual(map);
  });
});

describe('resolveDtypeChoice', () => {
  it("fills the map's missing files with the fallback and collapses a uniform result", () => {
    expect(resolveDtypeChoice({ vision_encoder: 'fp16' }, FILES, 'fp32')).toEqual({
      decoder_model_merged: 'fp32',
      embed_tokens: 'fp32',
      vision_encoder: 'fp16',
    });
    expect(resolveDtypeChoice({ vision_encoder: 'q4' }, ['vision_encoder'], 'fp32')).toBe('q4');
    expect(resolveDtypeChoice('q8', FILES, 'fp32')).toBe('q8');
  });

  it('refuses a file the model does not have, listing the ones it has', () => {
    expect(() => resolveDtypeChoice({ vision: 'fp16' }, FILES, 'fp32')).toThrow(
      /"vision", which this model does not have; its ONNX files are vision_encoder, embed_tokens, decoder_model_merged/,
    );
  });
});

describe('withFileDtypes and declaredDtype', () => {
  it('gives the unnamed image-text files the common dtype', () => {
    expect(withFileDtypes('q8', {})).toBe('q8');
    expect(withFileDtypes('q4', { vision_encoder: 'fp16' })).toEqual({
      decoder_model_merged: 'q4',
      embed_tokens: 'q4',
      vision_encoder: 'fp16',
    });
    expect(withFileDtypes('q4', { vision_encoder: 'q4' })).toBe('q4');
  });

  it("reads a repo's declared dtype, ignoring what is not one", () => {
    expect(declaredDtype({ 'transformers.js_config': { dtype: 'q4f16' } })).toBe('q4f16');
    expect(
      declaredDtype({
        'transformers.js_config': { dtype: { vision_encoder: 'fp32', decoder_model_merged: 'q4' } },
      }),
    ).toEqual({
      vision_encoder: 'fp32',
      decoder_model_merged: 'q4',
    });
    expect(declaredDtype({ 'transformers.js_config': { dtype: 'auto' } })).toBeNull();
    expect(declaredDtype({ 'transformers.js_config': { dtype: { vision_encoder: 'q5' } } })).toBeNull();
    expect(declaredDtype({})).toBeNull();
  });
});
