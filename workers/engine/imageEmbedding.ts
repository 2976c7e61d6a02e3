// The model's own embedding of an image (core/run/records ImageEmbedding), read from the output of
// a vision-encoder call the run makes anyway: the mean of every feature vector the encoder (after
// its projector: transformers.js's `image_features`, what is merged into the language model's
// input embeddings) produced, and the mean of the global view's vectors where the family adapter
// says which rows those are. No extra encoder call and no copy of the features is kept.
import type { Tensor } from '@huggingface/transformers';
import { meanOfRows } from '../../src/core/results/modelSimilarity.ts';
import type { ImageEmbedding } from '../../src/core/run/records.ts';
import type { FamilyAdapter } from './families/adapter.ts';

/** The embedding of one encoder call's image, or null when its output cannot be read here. */
export function embeddingOfFeatures(
  adapter: FamilyAdapter,
  inputs: Record<string, Tensor>,
  features: Tensor,
): ImageEmbedding | null {
  const hidden = features.dims[features.dims.length - 1];
  if (!hidden || (features.type !== 'float32' && features.type !== 'float16')) return null;
  let data: Float32Array;
  try {
    // float16 outputs arrive as Uint16Array where the runtime lacks Float16Array; to() converts both.
    data = features.to('float32').data as Float32Array;
  } catch {
    return null; // a GPU-resident output: reading it here would cost a download the run does not need
  }
  const vectors = Math.floor(data.length / hidden);
  if (vectors === 0) return null;
  const global = adapter.globalViewRows?.(inputs, features) ?? null;
  return {
    mean: meanOfRows(data, hidden, 0, vectors),
    globalMean: global ? meanOfRows(data, hidden, global.start, global.count) : null,
    vectors,
  };
}
