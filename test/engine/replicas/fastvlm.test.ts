// The FastVLM replica (onnx-community/FastVLM-0.5B-ONNX, llava_qwen2): the conformance suite, then
// what is LLaVA-style about it: processor(images, text) with the image placeholder first in a
// string content (Qwen2's ChatML prints content parts as JSON), and the image tokens one image
// becomes, floor(H / patch_size) × floor(W / patch_size) + num_additional_image_tokens.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RawImage, Tensor } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConversation } from '../../../src/core/prompts.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../../scripts/lib/nodeEngine.ts';
import { FASTVLM_REPLICA } from '../../../scripts/fixtures/replicas/fastvlm/index.ts';
import type { LoadedModel } from '../../../workers/engine/loadModel.ts';
import { IMAGES_DIR, officialDataset } from '../../support/fixtures.ts';
import { describeReplica, replicaDir } from '../../support/replicaSuite.ts';

describeReplica({
  name: 'replica-fastvlm',
  family: 'fastvlm',
  dtypes: FASTVLM_REPLICA.dtypes,
  reusesPrefix: true,
});

const dataset = officialDataset();
const idsOf = (inputs: Record<string, Tensor>) => Array.from(inputs.input_ids!.data as BigInt64Array, Number);

describe('FastVLM prompt layout and image tokens (replica-fastvlm)', () => {
  let engine: NodeEngine;
  let lm: LoadedModel;
  let processorConfig: { image_token: string; patch_size: number; num_additional_image_tokens: number };
  const chatText = (pairIndex: number) =>
    lm.processor.apply_chat_template(
      lm.adapter.chatMessages!(lm, buildConversation('GD', dataset.pairs[pairIndex]!, lm.family)) as never,
      { add_generation_prompt: true },
    ) as unknown as string;

  beforeAll(async () => {
    engine = await createNodeEngine('wasm');
    lm = await engine.loadModel(
      { source: { kind: 'path', path: replicaDir('replica-fastvlm') }, device: 'wasm', dtype: 'fp32' },
      engine.host,
    );
    processorConfig = JSON.parse(
      await readFile(path.join(replicaDir('replica-fastvlm'), 'processor_config.json'), 'utf8'),
    );
  });

  it('renders the ChatML prompt with "<image>" first in a string content', () => {
    const pair = dataset.pairs[0]!;
    const text = chatText(0);
    expect(text).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n' +
        `<image>Based on the image, choose the correct option for the following question.\nQuestion: ${pair.question}\n` +
        `A: ${pair.optionA}\nB: ${pair.optionB}\nAnswer with the option's letter from the given choices directly.\nAnswer: ` +
        '<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('calls processor(images, text) and expands "<image>" into (H / patch)² + extra image tokens per image', async () => {
    const loadImage = folderImageLoader(engine, IMAGES_DIR);
    const expected =
      Math.floor(64 / processorConfig.patch_size) ** 2 + processorConfig.num_additional_image_tokens;
    expect(expected).toBe(16);
    for (const [i, pair] of dataset.pairs.slice(0, 3).entries()) {
      for (const local of [pair.im1Local, pair.im2Local]) {
        const image = (await loadImage(local)) as RawImage;
        const inputs = await lm.adapter.process(lm.processor, chatText(i), image);
        const ids = idsOf(inputs);
        expect(inputs.pixel_values!.dims).toEqual([1, 3, 64, 64]);
        const first = ids.indexOf(lm.imageTokenId);
        expect(ids.slice(first, first + expected)).toEqual(new Array(expected).fill(lm.imageTokenId));
        expect(ids.filter((x) => x === lm.imageTokenId)).toHaveLength(expected);
        expect(lm.adapter.imageTokens(lm, inputs, ids)).toEqual({ tokens: expected, crops: 1 });
        expect(lm.processor.tokenizer!.decode(ids.slice(0, first))).toBe(
          '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n',
        );
        expect(lm.adapter.imageBlockEnd(lm, ids)).toBe(first + expected);
      }
    }
    expect(lm.imageTokenId).toBe(
      lm.processor.tokenizer!.convert_tokens_to_ids([processorConfig.image_token])[0],
    );
  });
});
