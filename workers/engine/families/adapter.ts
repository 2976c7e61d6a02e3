// What an engine family adapter is: everything that differs between model families on the way from
// a chat text and an image to logits — the processor's argument order and tokenizer options, where
// the image block ends in the ids, decoder inputs transformers.js would get wrong for a cached
// continuation (Qwen2-VL's rotary positions) alone or batched, the cache's input names, the image
// tokens one image becomes, the image processor settings that decide its pixels (and the override
// that turns image splitting off), and the conversation's shape where the chat template cannot
// read content parts (LLaVA-style Qwen2 ChatML takes a string with the image placeholder). One
// folder per family holds its `adapter.ts` (transformers.js's habit of one folder per model with
// the same file names); `defaults.ts` is what a family does unless it says otherwise.
// The core family table (src/core/modelFamilies.ts) keeps only pure facts.
import type { Processor, RawImage, Tensor } from '@huggingface/transformers';
import type { ChatMessage } from '../../../src/core/prompts.ts';
import type { PreprocessingSettings } from '../../../src/core/run/preprocessing.ts';
import type { LoadedModel } from '../loadModel.ts';

/** What one processed image became in a prompt. */
export interface ImageTokenCount {
  /** Image-feature tokens (the positions the vision encoder's output fills). */
  tokens: number;
  /** Views the image was cut into (1 without splitting; crops + global view with it). */
  crops: number;
}

/** The image inputs of a cached prefix (pixel values, grids, masks) as the processor returned them. */
export type ImageInputs = Record<string, Tensor>;

export interface FamilyAdapter {
  /** The family id of src/core/modelFamilies.ts. */
  readonly id: string;
  /** One processor call for a chat text and an image, in the family's order and with its options. */
  process(processor: Processor, text: string, image: RawImage): Promise<Record<string, Tensor>>;
  /** Index just after the image block (image tokens and the special tokens closing it) in `ids`. */
  imageBlockEnd(lm: LoadedModel, ids: readonly number[]): number;
  /**
   * Decoder inputs for the last `newCount` of `allIds` when the ones before are already in the
   * cache, where transformers.js's own would be wrong; {} where they are right.
   */
  continuationInputs(
    lm: LoadedModel,
    allIds: readonly number[],
    newCount: number,
    imageInputs: ImageInputs,
  ): Record<string, Tensor>;
  /**
   * Continuation inputs for a batch (engine/forward.ts forwardBatch): row b continues the cache
   * with the last `rows[b].newCount` of `rows[b].allIds`, right-padded to `width` (what a padding
   * position gets does not matter: nothing real attends to it), stacked along the batch axis; {}
   * where transformers.js's own (from the attention mask) are right. Absent: the family's
   * continuations are not batched, each runs as its own call.
   */
  batchContinuationInputs?(
    lm: LoadedModel,
    rows: readonly { allIds: readonly number[]; newCount: number }[],
    width: number,
    imageInputs: ImageInputs,
  ): Record<string, Tensor>;
  /** The cache input a decoder output feeds on the next call, or null when it is not cache. */
  cacheInputName(outputName: string): string | null;
  /**
   * Crops one vision-encoder call encoded, from that call's inputs and output (counted where the
   * encoder runs, so it checks the encoder's real work against ImageTokenCount.crops).
   */
  cropsEncoded(inputs: Record<string, Tensor>, features: Tensor): number;
  /**
   * The rows of one vision-encoder call's output, flattened to `[rows, hidden]`, that are the
   * image's global view when it was split into crops plus one (the model's own image similarity
   * keeps their mean beside the all-views mean); null for an unsplit image. Absent: the family
   * has no global view this engine can place.
   */
  globalViewRows?(inputs: Record<string, Tensor>, features: Tensor): { start: number; count: number } | null;
  /** Image tokens and views of one image, from a processor call's outputs and ids. */
  imageTokens(lm: LoadedModel, inputs: Record<string, Tensor>, ids: readonly number[]): ImageTokenCount;
  /**
   * The loaded image processor's settings that decide the pixels the model sees (splitting, the
   * sizes it resizes to), flat and in a fixed key order (defaults.ts imageProcessorSettings).
   */
  preprocessing(lm: LoadedModel): PreprocessingSettings;
  /**
   * The image processor config entries that turn image splitting off (one view per image), applied
   * as if the repo's preprocessor_config.json said so (engine/preprocessing.ts); absent: the family
   * never splits an image.
   */
  readonly singleViewConfig?: Readonly<Record<string, unknown>>;
  /**
   * Size of the blind baseline's blank image, for a family whose processor has no single input
   * size its config names as edges (Qwen2-VL's min/max_pixels are pixel counts); absent: the size
   * read from the image processor's config (blankImage.ts modelInputSize).
   */
  blankImageSize?(lm: LoadedModel): { width: number; height: number };
  /**
   * The conversation in the shape the family's chat template reads, where that is not the content
   * parts [{type: 'image'}, {type: 'text'}] it is built with (absent: the parts as they are).
   */
  chatMessages?(lm: LoadedModel, messages: ChatMessage[]): unknown[];
}
