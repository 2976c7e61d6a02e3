// SmolVLM / Idefics3 (HuggingFaceTB/SmolVLM-*-Instruct): `processor(text, images)`
// (transformers.js models/idefics3/processing_idefics3.js); the image block is
// <fake_token_around_image><global-img> + image tokens + <fake_token_around_image>, and with
// `do_image_splitting` (as the hub repos ship) one <fake_token_around_image><row_r_col_c> + image
// tokens block per crop, a newline after each row, then a newline and the global view. Every view
// (crop or global) is `image_seq_len` image tokens (processor_config.json), so the views of one
// prompt's image are its image tokens over image_seq_len; pixel_values [batch, views, 3, H, W]
// says the same for a single unpadded image. The pixels are decided by do_image_splitting,
// do_resize, size.longest_edge (the whole image is first scaled to it) and
// max_image_size.longest_edge (each view's side); with splitting off (single view, as
// Idefics3ImageProcessor reads `do_image_splitting` from its config) the image is one
// max_image_size square and the block holds only the global view. The encoder's output is
// [views, image_seq_len, hidden] with the global view last (lastViewOfFeatures).
import { countImageTokens, defaultAdapter, imageProcessorSettings, lastViewOfFeatures } from '../defaults.ts';
import type { FamilyAdapter } from '../adapter.ts';

export const smolvlmAdapter: FamilyAdapter = {
  ...defaultAdapter('smolvlm'),
  imageTokens(lm, inputs, ids) {
    const { tokens } = countImageTokens(lm, inputs, ids);
    const perView = lm.info.imageTokenCount;
    const crops =
      perView > 0 && tokens > 0 && tokens % perView === 0
        ? tokens / perView
        : (inputs.pixel_values?.dims[1] ?? 1);
    return { tokens, crops };
  },
  preprocessing: imageProcessorSettings(['do_image_splitting', 'do_resize', 'size', 'max_image_size']),
  singleViewConfig: { do_image_splitting: false },
  globalViewRows: lastViewOfFeatures,
};
