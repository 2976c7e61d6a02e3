import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, fnv1a64, stableHash } from '../../../src/core/hash.ts';

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64-bit test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });
});

describe('stableHash', () => {
  it('ignores object key order but not array order', () => {
    expect(stableHash({ a: 1, b: [1, 2], c: { x: 'y', z: null } })).toBe(
      stableHash({ c: { z: null, x: 'y' }, b: [1, 2], a: 1 }),
    );
    expect(stableHash([1, 2])).not.toBe(stableHash([2, 1]));
  });

  it('distinguishes values that plain JSON would conflate', () => {
    expect(stableHash(NaN)).not.toBe(stableHash(null));
    expect(stableHash(Infinity)).not.toBe(stableHash(-Infinity));
    expect(stableHash('1')).not.toBe(stableHash(1));
  });

  it('drops undefined members like JSON', () => {
    expect(stableHash({ a: 1, b: undefined })).toBe(stableHash({ a: 1 }));
  });

  it('hashes typed arrays like plain arrays', () => {
    expect(canonicalJson(new Float32Array([1, 2.5]))).toBe('[1,2.5]');
  });

  it('is a 16-hex-digit deterministic function of the canonical JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const h = stableHash(v);
        expect(h).toMatch(/^[0-9a-f]{16}$/);
        expect(stableHash(JSON.parse(JSON.stringify(v)))).toBe(h);
      }),
    );
  });

  it('rejects values it cannot represent', () => {
    expect(() => stableHash(() => 1)).toThrow(TypeError);
    expect(() => stableHash(1n)).toThrow(TypeError);
  });
});
