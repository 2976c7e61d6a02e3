// LFM2-VL (onnx-community/LFM2-VL-450M-ONNX; transformers.js models/lfm2_vl/): `processor(images,
// text, options)` (processing_lfm2_vl.js). The chat template already starts with <|startoftext|>
// and LFM2's tokenizer.json prepends another to every text encoded with special tokens, so the
// text is tokenised without them, leaving one BOS (as transformers' processor.apply_chat_template
// does since huggingface/transformers#36064; transformers.js 4.3.1 passes the option through).
// The image block is <|image_start|>, then per tile <|img_row_R_col_C|> + its <image> tokens and,
// for a grid, <|img_thumbnail|> + the thumbnail's, then <|image_end|>: it ends after the last image
// token and the special tokens closing it (the default). Views per image: pixel_values
// [tiles (+ thumbnail), patches, 3·patch²]. Cache names follow the hub convention
// (present_conv.N → past_conv.N, present.N.key → past_key_values.N.key: the defaults).
// The pixels are decided by the tiling settings Lfm2VlImageProcessor reads from its config; with
// `do_image_splitting` off (single view) an image is one smart-resized tile and no thumbnail.
import { countImageTokens, defaultAdapter, imageFirst, imageProcessorSettings } from '../defaults.ts';
import type { FamilyAdapter } from '../adapter.ts';

export const lfm2VlAdapter: FamilyAdapter = {
  ...defaultAdapter('lfm2_vl'),
  process: imageFirst({ add_special_tokens: false }),
  imageTokens(lm, inputs, ids) {
    return { tokens: countImageTokens(lm, inputs, ids).tokens, crops: inputs.pixel_values?.dims[0] ?? 1 };
  },
  // The encoder's output is the image's tokens flattened; its input holds one row per tile.
  cropsEncoded: (inputs) => inputs.pixel_values?.dims[0] ?? 1,
  preprocessing: imageProcessorSettings([
    'do_image_splitting',
    'min_tiles',
    'max_tiles',
    'tile_size',
    'use_thumbnail',
    'min_image_tokens',
    'max_image_tokens',
    'max_pixels_tolerance',
  ]),
  singleViewConfig: { do_image_splitting: false },
};
