// SmolVLM / Idefics3 (HuggingFaceTB/SmolVLM-*-Instruct): `processor(text, images)`
// (transformers.js models/idefics3/processing_idefics3.js); the image block is
// <fake_token_around_image><global-img> + image tokens + <fake_token_around_image>, and with
// `do_image_splitting` one <row_r_col_c> block per crop before the global view. Views per image:
// pixel_values [batch, views, 3, H, W].
import { defaultAdapter, countImageTokens } from '../defaults.ts';
import type { FamilyAdapter } from '../adapter.ts';

export const smolvlmAdapter: FamilyAdapter = {
  ...defaultAdapter('smolvlm'),
  imageTokens(lm, inputs, ids) {
    const views = inputs.pixel_values?.dims[1] ?? 1;
    return { tokens: countImageTokens(lm, inputs, ids).tokens, crops: views };
  },
};
