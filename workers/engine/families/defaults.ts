// What a family adapter does unless its own adapter.ts says otherwise: `processor(text, image)`,
// the image block ends after the last image token and the special tokens that close it,
// transformers.js's own position ids are right for a continuation, alone or batched (it computes
// them from the attention mask's running sum, so a right-padded row's real tokens get the same
// positions as unbatched; modeling_utils.js create_position_ids), and cache names follow the
// hub exports' convention (transformers.js's getPastKeyValues: present.N.key → past_key_values.N.key,
// present_conv.N → past_conv.N, present_ssm.N → past_ssm.N, …), and the image processor settings
// recorded are the generic resize and crop ones (transformers.js ImageProcessor's constructor).
import type { Processor, RawImage, Tensor } from '@huggingface/transformers';
import type { PreprocessingSettings } from '../../../src/core/run/preprocessing.ts';
import { EngineError } from '../errors.ts';
import type { LoadedModel } from '../loadModel.ts';
import type { FamilyAdapter, ImageTokenCount } from './adapter.ts';

type ProcessorCall = (...args: unknown[]) => Promise<Record<string, Tensor>>;

/** `processor(text, image, options?)`: Idefics3/SmolVLM, Qwen2-VL, Gemma 3 (transformers.js 4.3.1). */
export function textFirst(options?: Record<string, unknown>): FamilyAdapter['process'] {
  return (processor: Processor, text: string, image: RawImage) =>
    (processor as unknown as ProcessorCall)(text, image, ...(options ? [options] : []));
}

/** `processor(images, text, options?)`: LLaVA, LLaVA-OneVision, FastVLM, LFM2-VL, PaliGemma, Florence-2. */
export function imageFirst(options?: Record<string, unknown>): FamilyAdapter['process'] {
  return (processor: Processor, text: string, image: RawImage) =>
    (processor as unknown as ProcessorCall)(image, text, ...(options ? [options] : []));
}

/** After the last image token, skip the special tokens that close the block (not an end of turn). */
export function imageBlockEndAfterLastImageToken(lm: LoadedModel, ids: readonly number[]): number {
  const lastImage = ids.lastIndexOf(lm.imageTokenId);
  if (lastImage < 0) throw new EngineError('internal', 'The prompt holds no image tokens');
  let end = lastImage + 1;
  while (end < ids.length && lm.specialIds.has(ids[end]!) && !lm.endOfTurnIds.has(ids[end]!)) end++;
  return end;
}

const CACHE_PREFIXES: readonly [string, string][] = [
  ['present_ssm', 'past_ssm'],
  ['present_conv', 'past_conv'],
  ['present_recurrent', 'past_recurrent'],
  ['present', 'past_key_values'],
];

export function hubCacheInputName(outputName: string): string | null {
  for (const [out, input] of CACHE_PREFIXES) {
    if (outputName.startsWith(out)) return input + outputName.slice(out.length);
  }
  return null;
}

/**
 * One crop per row of a `[crops, tokens, hidden]` output (SmolVLM, LLaVA, Gemma 3: every view its
 * own row); an output of flattened tokens `[tokens, hidden]` (Qwen2-VL's merged patches) is one.
 */
export function cropsOfFeatures(_inputs: Record<string, Tensor>, features: Tensor): number {
  return features.dims.length === 3 ? features.dims[0]! : 1;
}

/**
 * The last view of a `[views, tokens, hidden]` output when there is more than one (Idefics3's
 * image processor appends the global image after the crops: image_processing_idefics3.js
 * split_image, `frames.push(pixel_values)` last).
 */
export function lastViewOfFeatures(
  _inputs: Record<string, Tensor>,
  features: Tensor,
): { start: number; count: number } | null {
  if (features.dims.length !== 3 || features.dims[0]! < 2) return null;
  const [views, tokens] = features.dims as [number, number, number];
  return { start: (views - 1) * tokens, count: tokens };
}

/** Every image token in the ids is one feature; one view unless the family splits images. */
export function countImageTokens(lm: LoadedModel, _inputs: unknown, ids: readonly number[]): ImageTokenCount {
  let tokens = 0;
  for (const id of ids) if (id === lm.imageTokenId) tokens++;
  return { tokens, crops: 1 };
}

/** What transformers.js's base ImageProcessor resizes, crops and pads by. */
export const GENERIC_PREPROCESSING_KEYS = [
  'do_resize',
  'size',
  'do_center_crop',
  'crop_size',
  'do_pad',
  'pad_size',
] as const;

type SettingValue = PreprocessingSettings[string];

/**
 * The loaded image processor's values of `keys`, read from the instance (where transformers.js
 * keeps them after applying its own defaults), object values flattened to `key.member` in the
 * order given; keys the processor lacks are left out.
 */
export function imageProcessorSettings(keys: readonly string[]): FamilyAdapter['preprocessing'] {
  return (lm) => {
    const ip = (lm.processor as unknown as { image_processor?: Record<string, unknown> }).image_processor;
    const out: Record<string, SettingValue> = {};
    if (!ip) return out;
    for (const key of keys) {
      const value = ip[key];
      if (value === undefined) continue;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [member, v] of Object.entries(value as Record<string, unknown>)) {
          if (v !== undefined) out[`${key}.${member}`] = settingValue(v);
        }
      } else out[key] = settingValue(value);
    }
    return out;
  };
}

function settingValue(v: unknown): SettingValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** A family with every default, for `{ ...defaultAdapter('x'), process: imageFirst() }`. */
export function defaultAdapter(id: string): FamilyAdapter {
  return {
    id,
    process: textFirst(),
    imageBlockEnd: imageBlockEndAfterLastImageToken,
    continuationInputs: () => ({}),
    batchContinuationInputs: () => ({}),
    cacheInputName: hubCacheInputName,
    imageTokens: countImageTokens,
    cropsEncoded: cropsOfFeatures,
    preprocessing: imageProcessorSettings(GENERIC_PREPROCESSING_KEYS),
  };
}
