// LLaVA-OneVision (llava-hf/llava-onevision-qwen2-*-ov-hf): `processor(images, text)` in the LLaVA
// order (transformers.js models/llava/processing_llava.js). UNTESTED: no replica exists for it.
// transformers.js 4.3.1 has no LlavaOnevisionProcessor (models/processors.js), and AutoProcessor
// returns a bare Processor without a tokenizer when preprocessor_config.json names a processor_class
// it lacks (models/auto/processing_auto.js); if the hub repo names LlavaOnevisionProcessor there
// (not checked here), the model will not load, and its chat template lives only in
// chat_template.json, which transformers.js does not read (the notes on real exports). This adapter
// only fixes the argument order.
import { defaultAdapter, imageFirst } from '../defaults.ts';
import type { FamilyAdapter } from '../adapter.ts';

export const llavaOnevisionAdapter: FamilyAdapter = {
  ...defaultAdapter('llava_onevision'),
  process: imageFirst(),
};
