// The speed benchmark's generated model must have the shapes of SmolVLM-256M-Instruct, or its
// timings say nothing about the real model. Checks the config files it is written with (the
// weights follow these numbers in the graph builders) and that every id its random lm_head can
// pick decodes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  SMOLVLM_256M_VOCAB,
  benchModelJsonFiles,
  paddedTokenizer,
} from '../../../scripts/fixtures/smolvlm256mShape.ts';
import type { DatasetItem } from '../../../scripts/fixtures/tinySmolVLM.ts';

const dataset = JSON.parse(
  readFileSync(new URL('../../../public/data/mediconfusion/dataset.json', import.meta.url), 'utf8'),
) as Record<string, DatasetItem>;
const items = Object.keys(dataset)
  .sort()
  .map((k) => dataset[k]!);

describe('SmolVLM-256M-shaped bench model', () => {
  const files = benchModelJsonFiles(items);
  const config = JSON.parse(files.get('config.json')!) as {
    scale_factor: number;
    text_config: Record<string, number>;
    vision_config: Record<string, number>;
  };

  it('declares the real text and vision shapes', () => {
    expect(config.text_config).toMatchObject({
      hidden_size: 576,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      head_dim: 64,
      intermediate_size: 1536,
      vocab_size: 49280,
    });
    expect(config.vision_config).toMatchObject({
      hidden_size: 768,
      num_hidden_layers: 12,
      num_attention_heads: 12,
      intermediate_size: 3072,
      image_size: 512,
      patch_size: 16,
    });
    expect(config.scale_factor).toBe(4);
  });

  it('gets 64 image tokens per image, as the real model for one 512 × 512 view', () => {
    const processor = JSON.parse(files.get('processor_config.json')!) as { image_seq_len: number };
    const pre = JSON.parse(files.get('preprocessor_config.json')!) as {
      max_image_size: { longest_edge: number };
    };
    const { image_size, patch_size } = config.vision_config as { image_size: number; patch_size: number };
    expect((image_size / patch_size) ** 2 / config.scale_factor ** 2).toBe(64);
    expect(processor.image_seq_len).toBe(64);
    expect(pre.max_image_size.longest_edge).toBe(512);
  });

  it('has a tokenizer of the full vocabulary whose every id decodes', () => {
    const tok = paddedTokenizer(items);
    expect(tok.vocabSize).toBe(SMOLVLM_256M_VOCAB);
    const tokenizer = new Tokenizer(tok.tokenizerJson, tok.tokenizerConfig);
    expect(tokenizer.decode([SMOLVLM_256M_VOCAB - 1])).toBe(`<unused_${SMOLVLM_256M_VOCAB - 1}>`);
    // the prompt text still tokenizes with the learned merges, never into the padding
    const ids = tokenizer.encode('Based on the image, choose the correct option').ids;
    expect(Math.max(...ids)).toBeLessThan(768);
  });
});
