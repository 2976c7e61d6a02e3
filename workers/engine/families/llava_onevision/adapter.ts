// LLaVA-OneVision (llava-hf/llava-onevision-qwen2-*-ov-hf): `processor(images, text)` in the LLaVA
// order (transformers.js models/llava/processing_llava.js). UNTESTED: no replica exists for it. In
// transformers.js 4.3.1 its processor class (LlavaOnevisionProcessor) is not among the processors,
// so AutoProcessor returns a bare Processor without a tokenizer, and its chat template lives only
// in chat_template.json, which transformers.js does not read; the family is not expected to load
// until those are solved, and this adapter only fixes the argument order.
import { defaultAdapter, imageFirst } from '../defaults.ts';
import type { FamilyAdapter } from '../adapter.ts';

export const llavaOnevisionAdapter: FamilyAdapter = {
  ...defaultAdapter('llava_onevision'),
  process: imageFirst(),
};
