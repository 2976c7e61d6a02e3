// The engine adapter of each family id of src/core/modelFamilies.ts (one folder per family).
import { EngineError } from '../errors.ts';
import type { FamilyAdapter } from './adapter.ts';
import { lfm2VlAdapter } from './lfm2_vl/adapter.ts';
import { qwen2VlAdapter } from './qwen2_vl/adapter.ts';
import { fastvlmAdapter } from './fastvlm/adapter.ts';
import { gemma3Adapter } from './gemma3/adapter.ts';
import { llavaOnevisionAdapter } from './llava_onevision/adapter.ts';
import { smolvlmAdapter } from './smolvlm/adapter.ts';

const ADAPTERS: Readonly<Record<string, FamilyAdapter>> = {
  [smolvlmAdapter.id]: smolvlmAdapter,
  [lfm2VlAdapter.id]: lfm2VlAdapter,
  [qwen2VlAdapter.id]: qwen2VlAdapter,
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
