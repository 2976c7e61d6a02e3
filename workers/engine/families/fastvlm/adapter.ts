// FastVLM (apple/FastVLM-0.5B as onnx-community/FastVLM-0.5B-ONNX ships it; model_type llava_qwen2,
// transformers.js LlavaQwen2ForCausalLM extends LlavaForConditionalGeneration):
// `processor(images, text, options)` (models/llava/processing_llava.js, LlavaProcessor), called with
// `add_special_tokens: false` as the model card does (the Qwen2 tokenizer adds nothing either way).
// The processor replaces the first `image_token` of the text by
// floor(H / patch_size) × floor(W / patch_size) + num_additional_image_tokens copies of it
// (processor_config.json). The repo's chat template is Qwen2's ChatML, which reads
// `message['content']` as a string (it would print content parts as JSON), so the conversation is
// given as the model card gives it: the image placeholder first, then the text.
import type { ChatMessage } from '../../../../src/core/prompts.ts';
import type { LoadedModel } from '../../loadModel.ts';
import { defaultAdapter, imageFirst } from '../defaults.ts';
import type { FamilyAdapter } from '../adapter.ts';

/** Content parts as one string, the image as the processor config's `image_token`. */
export function placeholderMessages(lm: LoadedModel, messages: ChatMessage[]) {
  const imageToken = (lm.processor as unknown as { config?: { image_token?: string } }).config?.image_token;
  return messages.map((m) => ({
    role: m.role,
    content: m.content.map((c) => (c.type === 'image' ? (imageToken ?? '<image>') : c.text)).join(''),
  }));
}

export const fastvlmAdapter: FamilyAdapter = {
  ...defaultAdapter('fastvlm'),
  process: imageFirst({ add_special_tokens: false }),
  chatMessages: placeholderMessages,
};
