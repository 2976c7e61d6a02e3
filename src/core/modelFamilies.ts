// THE table of per-model-family behaviour (pure data): which HF configs a family matches, which
// prompt overrides and letter strings it uses, and which tokens end its chat turns. Everything
// family-specific lives here so the engine and prompts stay generic.

import type { Method } from './types.ts';

export interface ModelFamily {
  id: string;
  label: string;
  /** HF config `architectures` entries and `model_type` values this family matches. */
  architectures: string[];
  /** Key into prompts.json per-model overrides; 'default' uses the default templates. */
  promptKey: string;
  /** Family-specific templates that win over prompts.json (same `{}` placeholders). */
  promptOverrides?: Partial<Record<Method, string>>;
  /** Text encoded without special tokens to find each letter's token id (GD). */
  letterTokens: { A: string; B: string };
  /** The official protocol puts the image first in the user turn; we do it for every family. */
  imagePlacement: 'first';
  /** Tokens that close an assistant turn; trimmed off the end of a PS option's tokens. */
  endOfTurnTokens: string[];
  /** False for task-prompt models without a chat template (cannot run the chat-based methods). */
  supportsChat: boolean;
  /** True only when the whole pipeline has been checked end to end with this family. */
  verified: boolean;
  /**
   * Whether the image prefix's key/value cache may be reused: 'checked' (tests prove it equals full
   * recomputation), 'self-check' (the engine compares both ways on the first image of a run and
   * falls back to full recomputation on any difference), 'off' (always recompute in full).
   */
  prefixCache: 'checked' | 'self-check' | 'off';
  /**
   * Why the protocol's methods cannot be run on this family as defined, when they cannot: such a
   * model is refused right after its config.json is read, before any weight is downloaded.
   */
  unsupportedReason?: string;
  notes: string;
}

export const MODEL_FAMILIES: readonly ModelFamily[] = [
  {
    id: 'smolvlm',
    label: 'SmolVLM',
    architectures: [
      'Idefics3ForConditionalGeneration',
      'idefics3',
      'SmolVLMForConditionalGeneration',
      'smolvlm',
    ],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<end_of_utterance>'],
    supportsChat: true,
    verified: true,
    prefixCache: 'checked',
    notes:
      'Chat template "<|im_start|>User:<image>…<end_of_utterance>\\nAssistant:". The generation prompt ' +
      'ends without a space, so the model may prefer " A" to "A"; GD compares "A" and "B" as the official ' +
      'protocol does unless the run chooses another letter rule ("as written" reads " A" / " B"). The hub repos split images (do_image_splitting, longest edge 2048, crops ' +
      'of 512): up to 4 × 4 crops plus a global view, each 64 image tokens after its <row_r_col_c> token, ' +
      'so an image costs 5 to 17 vision-encoder views; the prefix cache is checked on a replica of that ' +
      'layout (not on the real weights).',
  },
  {
    id: 'qwen2_vl',
    label: 'Qwen2-VL',
    architectures: ['Qwen2VLForConditionalGeneration', 'qwen2_vl'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<|im_end|>'],
    supportsChat: true,
    verified: false,
    // Multimodal rotary positions depend on the whole sequence: the engine adapter computes a
    // continuation's from the full ids (get_rope_index), and the replica's tests prove cached == full.
    prefixCache: 'checked',
    notes:
      'ChatML template (default system turn "You are a helpful assistant.") with ' +
      '<|vision_start|><|image_pad|>…<|vision_end|> for the image, one <|image_pad|> per 2 × 2 patches ' +
      '(the count follows the image size between min_pixels and max_pixels). Checked on a replica of ' +
      'the onnx-community/Qwen2-VL-2B-Instruct export, not yet on the real weights.',
  },
  {
    id: 'llava_onevision',
    label: 'LLaVA-OneVision',
    architectures: ['LlavaOnevisionForConditionalGeneration', 'llava_onevision'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<|im_end|>'],
    supportsChat: true,
    verified: false,
    prefixCache: 'self-check',
    notes: 'Qwen2 language model with a ChatML template. Not yet checked.',
  },
  {
    id: 'gemma3',
    label: 'Gemma 3',
    architectures: ['Gemma3ForConditionalGeneration', 'gemma3'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<end_of_turn>'],
    supportsChat: true,
    verified: false,
    // Checked on the replicas of onnx-community/gemma-3-4b-it-ONNX and geeek/medgemma-4b-it-ONNX.
    prefixCache: 'checked',
    notes:
      'Template "<bos><start_of_turn>user\\n<start_of_image>…<end_of_turn>\\n<start_of_turn>model\\n" (its own ' +
      "<bos>: the processor is called without the tokenizer's special tokens); each image is " +
      '<start_of_image> + 256 image tokens + <end_of_image>; decoder positions start at 1. Also MedGemma. ' +
      'Proven on tiny replicas, not yet run on the real weights.',
  },
  {
    id: 'fastvlm',
    label: 'FastVLM',
    architectures: ['LlavaQwen2ForCausalLM', 'llava_qwen2'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<|im_end|>'],
    supportsChat: true,
    verified: false,
    // Checked on the replica of onnx-community/FastVLM-0.5B-ONNX.
    prefixCache: 'checked',
    notes:
      'LLaVA-style: processor(images, text); Qwen2 ChatML template with a string content, the image as ' +
      '"<image>" first; the processor repeats it (H / patch_size) × (W / patch_size) times (256 at 1024 px). ' +
      'Proven on a tiny replica, not yet run on the real weights.',
  },
  {
    id: 'lfm2_vl',
    label: 'LFM2-VL',
    architectures: ['Lfm2VlForConditionalGeneration', 'lfm2_vl'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<|im_end|>'],
    supportsChat: true,
    verified: false,
    // test/engine/replicas/lfm2_vl.test.ts: cached (conv + key/value caches fed back) == full on the replica.
    prefixCache: 'checked',
    notes:
      'Liquid AI hybrid model: short-convolution layers (conv caches) between attention layers. ChatML ' +
      'template "<|startoftext|><|im_start|>user\\n<image>…<|im_end|>\\n<|im_start|>assistant\\n"; ' +
      'images are cut into tiles plus a thumbnail, each with its own image tokens. Not yet run on the ' +
      'real weights.',
  },
  {
    id: 'florence2',
    label: 'Florence-2',
    architectures: ['Florence2ForConditionalGeneration', 'florence2'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['</s>'],
    supportsChat: false,
    verified: false,
    prefixCache: 'off',
    unsupportedReason:
      'Florence-2 is an encoder-decoder model driven by task tokens (e.g. <MORE_DETAILED_CAPTION>): it has no ' +
      'chat template and is not trained to answer questions, so GD, PS, MC and FF cannot be scored as MediConfusion defines them.',
    notes: 'transformers.js models/florence2: processor(images, text); forward needs decoder_input_ids.',
  },
  {
    id: 'paligemma',
    label: 'PaliGemma',
    architectures: ['PaliGemmaForConditionalGeneration', 'paligemma'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<eos>'],
    supportsChat: false,
    verified: false,
    prefixCache: 'off',
    unsupportedReason:
      'PaliGemma is a prefix-LM without a chat template (its prompt goes after the image tokens and attends ' +
      "both ways), so the protocol's chat prompts and answer scoring do not apply to it as defined.",
    notes: 'transformers.js models/paligemma: processor(images, text); BOS after the image tokens.',
  },
  {
    id: 'phi3_v',
    label: 'Phi-3-Vision',
    architectures: ['Phi3VForCausalLM', 'phi3_v'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<|end|>'],
    supportsChat: true,
    verified: false,
    prefixCache: 'off',
    unsupportedReason:
      'transformers.js does not load Phi-3-Vision through its image-text-to-text model class (it has its own ' +
      'class and processor), which this tool scores with.',
    notes: 'transformers.js models/phi3_v.',
  },
  {
    id: 'janus',
    label: 'Janus',
    architectures: ['MultiModalityCausalLM', 'multi_modality'],
    promptKey: 'default',
    letterTokens: { A: 'A', B: 'B' },
    imagePlacement: 'first',
    endOfTurnTokens: ['<｜end▁of▁sentence｜>'],
    supportsChat: true,
    verified: false,
    prefixCache: 'off',
    unsupportedReason:
      'transformers.js does not load Janus (multi_modality) through its image-text-to-text model class (it has ' +
      'its own class for image understanding and generation), which this tool scores with.',
    notes: 'transformers.js models/multi_modality.',
  },
];

/** The family for an HF config: first by `architectures`, then by `model_type`; null if unknown. */
export function familyForConfig(config: {
  architectures?: string[];
  model_type?: string;
}): ModelFamily | null {
  for (const arch of config.architectures ?? []) {
    const family = MODEL_FAMILIES.find((f) => f.architectures.includes(arch));
    if (family) return family;
  }
  if (config.model_type !== undefined) {
    return MODEL_FAMILIES.find((f) => f.architectures.includes(config.model_type as string)) ?? null;
  }
  return null;
}

export function familyById(id: string): ModelFamily | null {
  return MODEL_FAMILIES.find((f) => f.id === id) ?? null;
}
