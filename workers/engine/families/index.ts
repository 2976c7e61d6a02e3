// The engine adapter of each family id of src/core/modelFamilies.ts (one folder per family).
import { EngineError } from '../errors.ts';
import type { FamilyAdapter } from './adapter.ts';
import { fastvlmAdapter } from './fastvlm/adapter.ts';
import { gemma3Adapter } from './gemma3/adapter.ts';
import { llavaOnevisionAdapter } from './llava_onevision/adapter.ts';
import { smolvlmAdapter } from './smolvlm/adapter.ts';

const ADAPTERS: Readonly<Record<string, FamilyAdapter>> = {
  [smolvlmAdapter.id]: smolvlmAdapter,
  [gemma3Adapter.id]: gemma3Adapter,
  [fastvlmAdapter.id]: fastvlmAdapter,
  [llavaOnevisionAdapter.id]: llavaOnevisionAdapter,
};

export function adapterFor(familyId: string): FamilyAdapter {
  const adapter = ADAPTERS[familyId];
  if (!adapter)
    throw new EngineError('unsupported-architecture', `No engine adapter for the family "${familyId}"`);
  return adapter;
}

export type { FamilyAdapter } from './adapter.ts';
