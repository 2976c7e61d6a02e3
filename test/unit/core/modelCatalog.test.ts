// The curated model catalog: well-formed entries, known families, honest verification notes.
import { describe, expect, it } from 'vitest';
import { MODEL_CATALOG, NOT_VERIFIED, catalogEntry } from '../../../src/core/modelCatalog.ts';
import { MODEL_FAMILIES, familyById } from '../../../src/core/modelFamilies.ts';

describe('model catalog', () => {
  it('uses only family ids from the model-family table (null only when marked unsupported)', () => {
    for (const entry of MODEL_CATALOG) {
      if (entry.familyId === null) {
        expect(entry.availability.kind, entry.repoId).toBe('unsupported-family');
      } else {
        expect(familyById(entry.familyId), entry.repoId).not.toBeNull();
        expect(MODEL_FAMILIES.map((f) => f.id)).toContain(entry.familyId);
      }
    }
  });

  it('has unique, well-formed repo ids and complete fields', () => {
    const ids = MODEL_CATALOG.map((e) => e.repoId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of MODEL_CATALOG) {
      expect(e.repoId).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(e.label.length).toBeGreaterThan(0);
      expect(e.paramsMillions).toBeGreaterThan(0);
      expect(e.licence.length).toBeGreaterThan(0);
      expect(e.licenceUrl).toMatch(/^https:\/\//);
      expect(e.notes.length).toBeGreaterThan(0);
      for (const mb of Object.values(e.approxSizeMb)) expect(mb).toBeGreaterThan(0);
      // Larger dtypes are larger downloads.
      expect(e.approxSizeMb.fp32!).toBeGreaterThan(e.approxSizeMb.fp16!);
      expect(e.approxSizeMb.fp16!).toBeGreaterThan(e.approxSizeMb.q8!);
    }
  });

  it('never claims a verification it could not make', () => {
    for (const e of MODEL_CATALOG) expect(e.verified).toBe(NOT_VERIFIED);
  });

  it('includes the small models the app is built around', () => {
    expect(catalogEntry('HuggingFaceTB/SmolVLM-256M-Instruct')?.familyId).toBe('smolvlm');
    expect(catalogEntry('HuggingFaceTB/SmolVLM-500M-Instruct')?.familyId).toBe('smolvlm');
    expect(catalogEntry('onnx-community/Qwen2-VL-2B-Instruct')?.familyId).toBe('qwen2_vl');
    expect(catalogEntry('nobody/nothing')).toBeNull();
  });
});
