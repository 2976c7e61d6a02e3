// Qwen2-VL (onnx-community/Qwen2-VL-2B-Instruct; transformers.js models/qwen2_vl/): `processor(text,
// images)`; the image block is <|vision_start|> + one <|image_pad|> per merged patch +
// <|vision_end|>, the default end-of-block rule finds it. What differs:
// - Rotary positions are three rows (temporal, height, width) computed over the whole sequence by
//   get_rope_index: image tokens get 2-D grid positions and the text after an image continues from
//   the image's largest position + 1, not from its token count. transformers.js computes them only
//   from the ids it is given, so a continuation on a cached prefix would get a text-only 1-D guess
//   over the attention mask's length. The adapter runs the loaded model's own get_rope_index on the
//   full ids (with the prefix's image_grid_thw) and keeps the last `newCount` columns, which is
//   what prepare_inputs_for_generation does for externally provided caches. A batch of
//   continuations gets each row's own positions (get_rope_index on a batch would hand the image
//   grids to the rows in turn), stacked into [3, batch, width], a padding position repeating its
//   row's last.
// - Image tokens per image: the product of image_grid_thw divided by merge_size² (the processor's
//   own rule, processing_qwen2_vl.js); one view per image.
// - The blind baseline's image: the processor works at any size between min_pixels and max_pixels
//   (pixel *counts*, not edges), so the blank image is a square of a moderate area inside those
//   bounds, a multiple of patch_size × merge_size on each side so the processor does not resize it.
// - The pixels are decided by min_pixels and max_pixels (the image is resized to a multiple of
//   patch_size × merge_size inside them); it never splits an image.
import { Tensor } from '@huggingface/transformers';
import type { LoadedModel } from '../../loadModel.ts';
import type { FamilyAdapter } from '../adapter.ts';
import { defaultAdapter, imageProcessorSettings } from '../defaults.ts';

interface Qwen2VLModel {
  get_rope_index(
    input_ids: Tensor,
    image_grid_thw: Tensor | null,
    video_grid_thw: Tensor | null,
    attention_mask: Tensor | null,
  ): [Tensor, Tensor];
}

interface Qwen2VLImageProcessor {
  min_pixels?: number;
  max_pixels?: number;
  config?: { patch_size?: number; merge_size?: number };
}

function imageProcessor(lm: LoadedModel): Qwen2VLImageProcessor {
  return (lm.processor as unknown as { image_processor?: Qwen2VLImageProcessor }).image_processor ?? {};
}

function mergeSize(lm: LoadedModel): number {
  return imageProcessor(lm).config?.merge_size ?? 2;
}

/** Side of the blank image before it is fitted into [min_pixels, max_pixels]: 448² = 256 tokens at 28 px. */
const BLANK_SIDE = 448;

/** The three rotary rows [3, 1, newCount] of the last `newCount` ids of `allIds`. */
export function qwenContinuationPositions(
  lm: LoadedModel,
  allIds: readonly number[],
  newCount: number,
  imageGridThw: Tensor | null,
): Tensor {
  const n = allIds.length;
  const ids = new Tensor('int64', BigInt64Array.from(allIds, BigInt), [1, n]);
  const mask = new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
  const [positions] = (lm.model as unknown as Qwen2VLModel).get_rope_index(ids, imageGridThw, null, mask);
  return positions.slice(null, null, [n - newCount, n]);
}

export const qwen2VlAdapter: FamilyAdapter = {
  ...defaultAdapter('qwen2_vl'),
  preprocessing: imageProcessorSettings(['do_resize', 'min_pixels', 'max_pixels']),

  continuationInputs(lm, allIds, newCount, imageInputs) {
    return {
      position_ids: qwenContinuationPositions(lm, allIds, newCount, imageInputs.image_grid_thw ?? null),
    };
  },

  batchContinuationInputs(lm, rows, width, imageInputs) {
    const grid = imageInputs.image_grid_thw ?? null;
    const B = rows.length;
    const data = new BigInt64Array(3 * B * width);
    rows.forEach(({ allIds, newCount }, b) => {
      const own = qwenContinuationPositions(lm, allIds, newCount, grid).data as BigInt64Array;
      for (let axis = 0; axis < 3; axis++) {
        for (let i = 0; i < width; i++)
          data[(axis * B + b) * width + i] = own[axis * newCount + Math.min(i, newCount - 1)]!;
      }
    });
    return { position_ids: new Tensor('int64', data, [3, B, width]) };
  },

  imageTokens(lm, inputs) {
    const grid = inputs.image_grid_thw;
    if (!grid) return { tokens: 0, crops: 1 };
    const merge = mergeSize(lm) ** 2;
    let tokens = 0;
    for (const row of grid.tolist() as bigint[][]) tokens += Number(row.reduce((a, b) => a * b, 1n)) / merge;
    return { tokens, crops: 1 };
  },

  blankImageSize(lm) {
    const p = imageProcessor(lm);
    const factor = (p.config?.patch_size ?? 14) * mergeSize(lm);
    const min = p.min_pixels ?? factor * factor;
    const max = p.max_pixels ?? BLANK_SIDE * BLANK_SIDE;
    const area = Math.min(Math.max(BLANK_SIDE * BLANK_SIDE, min), max);
    let side = Math.max(factor, Math.floor(Math.sqrt(area) / factor) * factor);
    if (side * side < min) side += factor;
    return { width: side, height: side };
  },
};
