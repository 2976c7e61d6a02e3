// The blind baseline's image: uniform mid-grey at the size the model's processor works at, so the
// processor does not resize it and every model sees "nothing" the same way. A family whose
// processor has no such size (Qwen2-VL: min/max_pixels are pixel counts) names one in its adapter.
import { RawImage } from '@huggingface/transformers';
import type { LoadedModel } from './loadModel.ts';

export const BLANK_IMAGE_ID = 'blank';

const blankImages = new WeakMap<LoadedModel, RawImage>();

interface ImageProcessorConfig {
  size?: { longest_edge?: number; height?: number; width?: number; shortest_edge?: number };
  max_image_size?: { longest_edge?: number };
  crop_size?: { height?: number; width?: number };
}

/** The input side length the image processor targets (falls back to 384, a common ViT input). */
export function modelInputSize(config: ImageProcessorConfig | undefined): { width: number; height: number } {
  const edge =
    config?.max_image_size?.longest_edge ??
    config?.size?.longest_edge ??
    config?.crop_size?.height ??
    config?.size?.height ??
    config?.size?.shortest_edge ??
    384;
  const width = config?.crop_size?.width ?? config?.size?.width ?? edge;
  return { width, height: edge };
}

export function blankImageFor(lm: LoadedModel): RawImage {
  let image = blankImages.get(lm);
  if (!image) {
    const processor = lm.processor as unknown as { image_processor?: { config?: ImageProcessorConfig } };
    const { width, height } =
      lm.adapter.blankImageSize?.(lm) ?? modelInputSize(processor.image_processor?.config);
    image = new RawImage(new Uint8ClampedArray(width * height * 3).fill(128), width, height, 3);
    blankImages.set(lm, image);
  }
  return image;
}
