// Gemma 3 / MedGemma (onnx-community/gemma-3-4b-it-ONNX, geeek/medgemma-4b-it-ONNX):
// `processor(text, images, options)` (transformers.js models/gemma3/processing_gemma3.js), called
// with `add_special_tokens: false`: the chat template already starts with <bos>, and the Gemma
// tokenizer's post-processor ("<bos> $A") would add a second one. Gemma3Processor._call passes its
// options object on to `this.tokenizer(text, options)` (and to the image processor, which ignores
// it), so the flag reaches the tokenizer. The processor expands each <start_of_image> into
// "\n\n<start_of_image>" + image_seq_length × <image_soft_token> + "<end_of_image>\n\n"; the image
// block ends after <end_of_image> whether or not the tokenizer marks it special. One view per image.
import { defaultAdapter, imageBlockEndAfterLastImageToken, textFirst } from '../defaults.ts';
import type { FamilyAdapter } from '../adapter.ts';

export const gemma3Adapter: FamilyAdapter = {
  ...defaultAdapter('gemma3'),
  process: textFirst({ add_special_tokens: false }),
  imageBlockEnd(lm, ids) {
    let end = imageBlockEndAfterLastImageToken(lm, ids);
    const eoi = (lm.processor as unknown as { eoi_token?: string }).eoi_token;
    const eoiId = eoi ? lm.processor.tokenizer?.convert_tokens_to_ids([eoi])[0] : undefined;
    if (eoiId !== undefined && ids[end] === eoiId) end++;
    return end;
  },
};
