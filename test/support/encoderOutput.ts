// The model's own image similarity computed directly, for tests: the image processed with a
// method's prompt as the engine would, transformers.js's encode_image called on its image inputs,
// and the mean of the output's rows taken here by hand (not with the engine's code), so a stored
// embedding can be checked against the vision encoder's output itself. Engine modules that import
// transformers.js are imported when called, after createNodeEngine chose the backend.
import type { RawImage, Tensor } from '@huggingface/transformers';
import { newCounters } from '../../src/core/run/vocabulary.ts';
import type { ConfusionPair } from '../../src/core/types.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';

export interface DirectEmbedding {
  /** Mean of every output row, in float64. */
  mean: number[];
  /** Mean of the last view's rows when the output is [views > 1, tokens, hidden]. */
  lastViewMean: number[] | null;
  dims: number[];
}

/** One image's embedding straight from the vision encoder (an extra encode: tests only). */
export async function directEmbedding(
  lm: LoadedModel,
  pair: ConfusionPair,
  image: RawImage,
): Promise<DirectEmbedding> {
  const { pickImageInputs } = await import('../../workers/engine/forward.ts');
  const { MethodContext } = await import('../../workers/engine/methods/context.ts');
  const ctx = new MethodContext(
    lm,
    newCounters(),
    {},
    { onRecord: () => undefined, checkpoint: async () => {} },
  );
  const inputs = await lm.adapter.process(lm.processor, ctx.chatText('GD', pair), image);
  const encode = (lm.model as unknown as { encode_image(x: Record<string, Tensor>): Promise<Tensor> })
    .encode_image;
  const features = (await encode.call(lm.model, pickImageInputs(inputs))).to('float32');
  const data = features.data as Float32Array;
  const dims = [...features.dims];
  const hidden = dims.at(-1)!;
  const rows = data.length / hidden;
  const meanRows = (from: number, to: number) => {
    const m = new Array<number>(hidden).fill(0);
    for (let r = from; r < to; r++) for (let h = 0; h < hidden; h++) m[h]! += data[r * hidden + h]!;
    return m.map((v) => v / (to - from));
  };
  const views = dims.length === 3 ? dims[0]! : 1;
  const perView = dims.length === 3 ? dims[1]! : rows;
  return {
    mean: meanRows(0, rows),
    lastViewMean: views > 1 ? meanRows((views - 1) * perView, rows) : null,
    dims,
  };
}

/** Cosine by hand, in float64. */
export function directCosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    dot += x * b[i]!;
    na += x * x;
    nb += b[i]! * b[i]!;
  });
  return dot / Math.sqrt(na * nb);
}
