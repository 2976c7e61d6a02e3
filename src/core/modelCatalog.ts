// The curated list of small image-text-to-text models offered in the Run tab (pure data). None of
// them has been run on its real weights with this tool: each family's loading, prompting and
// scoring was proven on a replica of the real export's interface (scripts/fixtures/replicas/), so
// every entry says "not yet checked with this tool". Sizes are estimates from the parameter
// count, except the file sizes a hub page listed (`fileSizesMb`, with the page).
import type { Dtype } from './run/vocabulary.ts';

export const NOT_VERIFIED = 'not yet checked with this tool';

export const SIZE_NOTE =
  'Approximate download sizes in MB, estimated as parameters × bytes per weight; the real files ' +
  'differ (embeddings, vision encoder and quantisation overheads) and not every dtype is exported.';

/** Whether the engine can run the entry, and if not, why not (shown next to the choice). */
export type CatalogAvailability =
  | { kind: 'ready' }
  /** The architecture has no entry in core/modelFamilies, so the engine refuses it. */
  | { kind: 'unsupported-family'; reason: string }
  /** No ONNX export is known; the repo id names the original weights. */
  | { kind: 'no-onnx-export'; reason: string };

export interface CatalogEntry {
  repoId: string;
  label: string;
  /** id in core/modelFamilies MODEL_FAMILIES, or null when the engine has no family for it yet. */
  familyId: string | null;
  /** Parameter count in millions (from the model card as we remember it; not verified). */
  paramsMillions: number;
  /** Approximate MB per dtype; see SIZE_NOTE. */
  approxSizeMb: Partial<Record<Dtype, number>>;
  licence: string;
  licenceUrl: string;
  /** Always NOT_VERIFIED for real repos: we never claim a check we could not make. */
  verified: string;
  /** File sizes (MB) as a public hub page listed them, and that page; absent when none was seen. */
  fileSizesMb?: { source: string; files: Readonly<Record<string, number>> };
  availability: CatalogAvailability;
  notes: string;
}

/** Bytes per weight behind approxSizeMb (q8/q4 keep some tensors in higher precision). */
const BYTES_PER_WEIGHT: Partial<Record<Dtype, number>> = {
  fp32: 4,
  fp16: 2,
  q8: 1.1,
  q4: 0.75,
  q4f16: 0.65,
};

function approxSizes(paramsMillions: number): Partial<Record<Dtype, number>> {
  const out: Partial<Record<Dtype, number>> = {};
  for (const [dtype, bytes] of Object.entries(BYTES_PER_WEIGHT) as [Dtype, number][]) {
    // Round to 10 MB: more digits would suggest a precision the estimate does not have.
    out[dtype] = Math.round((paramsMillions * bytes * 1e6) / (1024 * 1024) / 10) * 10;
  }
  return out;
}

const APACHE = { licence: 'Apache-2.0', licenceUrl: 'https://www.apache.org/licenses/LICENSE-2.0' };

export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    repoId: 'HuggingFaceTB/SmolVLM-256M-Instruct',
    label: 'SmolVLM 256M Instruct',
    familyId: 'smolvlm',
    paramsMillions: 256,
    approxSizeMb: approxSizes(256),
    ...APACHE,
    verified: NOT_VERIFIED,
    availability: { kind: 'ready' },
    fileSizesMb: {
      source:
        'https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct/tree/acc054744d60adea9d88214dab6e2219e6e512a7/onnx',
      files: {
        'onnx/decoder_model_merged.onnx': 541,
        'onnx/decoder_model_merged_fp16.onnx': 271,
        'onnx/decoder_model_merged_quantized.onnx': 138,
        'onnx/decoder_model_merged_q4.onnx': 86.9,
        'onnx/decoder_model_merged_q4f16.onnx': 77.4,
        'onnx/embed_tokens.onnx': 114,
        'onnx/embed_tokens_fp16.onnx': 56.8,
      },
    },
    notes:
      'The smallest choice; runs on wasm on most machines. Each image is split into up to 16 crops ' +
      'plus a global view (64 image tokens each), so an image costs 13–17 vision-encoder passes. ' +
      'The engine checks which dtypes are present before downloading weights.',
  },
  {
    repoId: 'HuggingFaceTB/SmolVLM-500M-Instruct',
    label: 'SmolVLM 500M Instruct',
    familyId: 'smolvlm',
    paramsMillions: 507,
    approxSizeMb: approxSizes(507),
    ...APACHE,
    verified: NOT_VERIFIED,
    availability: { kind: 'ready' },
    notes: 'Same architecture as the 256M model with a larger language model.',
  },
  {
    repoId: 'onnx-community/Qwen2-VL-2B-Instruct',
    label: 'Qwen2-VL 2B Instruct',
    familyId: 'qwen2_vl',
    paramsMillions: 2210,
    approxSizeMb: approxSizes(2210),
    ...APACHE,
    verified: NOT_VERIFIED,
    availability: { kind: 'ready' },
    notes:
      'ONNX export used in transformers.js examples; its weights sit in .onnx_data files beside the ' +
      'small .onnx graphs (both are downloaded). Large for a browser: prefer q4/q4f16 on WebGPU.',
  },
  {
    repoId: 'onnx-community/gemma-3-4b-it-ONNX',
    label: 'Gemma 3 4B it',
    familyId: 'gemma3',
    paramsMillions: 4300,
    approxSizeMb: approxSizes(4300),
    licence: 'Gemma Terms of Use',
    licenceUrl: 'https://ai.google.dev/gemma/terms',
    verified: NOT_VERIFIED,
    availability: { kind: 'ready' },
    notes:
      'Repo id not confirmed: it is the usual onnx-community naming for a Gemma 3 export, and no export ' +
      'of the 4B vision model has been checked with this tool yet. Only 4-bit dtypes are realistic in a browser. ' +
      'Gemma terms apply to the weights.',
  },
  {
    repoId: 'onnx-community/LFM2-VL-450M-ONNX',
    label: 'LFM2-VL 450M',
    familyId: 'lfm2_vl',
    paramsMillions: 450,
    approxSizeMb: approxSizes(450),
    licence: 'LFM Open License v1.0',
    licenceUrl: 'https://huggingface.co/LiquidAI/LFM2-VL-450M/blob/main/LICENSE',
    verified: NOT_VERIFIED,
    availability: { kind: 'ready' },
    notes:
      'Liquid AI LFM2-VL exported for transformers.js (the repo transformers.js tests its image processor ' +
      'with). A hybrid decoder (short convolutions and attention); large images are cut into tiles plus a ' +
      'thumbnail, so the image tokens per image vary with its size.',
  },
  {
    repoId: 'onnx-community/FastVLM-0.5B-ONNX',
    label: 'FastVLM 0.5B',
    familyId: 'fastvlm',
    paramsMillions: 760,
    approxSizeMb: approxSizes(760),
    licence: 'Apple Machine Learning Research Model License',
    licenceUrl: 'https://huggingface.co/apple/FastVLM-0.5B/blob/main/LICENSE',
    verified: NOT_VERIFIED,
    availability: { kind: 'ready' },
    notes:
      'Apple’s FastVLM (a FastViTHD image encoder before a Qwen2 0.5B language model), LLaVA-style. Its ' +
      'model card recommends fp16 token embeddings with a q4 vision encoder and decoder; choose that mix ' +
      'under "Per-file dtypes". Parameter count approximate.',
  },
  {
    repoId: 'geeek/medgemma-4b-it-ONNX',
    label: 'MedGemma 4B it (community ONNX export)',
    familyId: 'gemma3',
    paramsMillions: 4300,
    approxSizeMb: approxSizes(4300),
    licence: 'Health AI Developer Foundations Terms of Use',
    licenceUrl: 'https://developers.google.com/health-ai-developer-foundations/terms',
    verified: NOT_VERIFIED,
    availability: { kind: 'ready' },
    notes:
      'A community export of Google’s medical Gemma 3, reported to ship 4-bit embed_tokens, vision ' +
      'encoder and decoder files (and an fp32 vision encoder of about 1.7 GB). Its repo id and files ' +
      'are as reported, not confirmed; it is not from Google. If the repo declares a per-file dtype ' +
      'mix, the engine uses it unless you choose another.',
  },
  {
    repoId: 'google/medgemma-4b-it',
    label: 'MedGemma 4B it (no ONNX export known)',
    familyId: 'gemma3',
    paramsMillions: 4300,
    approxSizeMb: approxSizes(4300),
    licence: 'Health AI Developer Foundations Terms of Use',
    licenceUrl: 'https://developers.google.com/health-ai-developer-foundations/terms',
    verified: NOT_VERIFIED,
    availability: {
      kind: 'no-onnx-export',
      reason:
        'The original repo holds safetensors weights only (and is gated); transformers.js needs ONNX files.',
    },
    notes:
      'A medical Gemma 3 variant. We know of no community ONNX export whose repo id we could confirm, so ' +
      'none is listed. Export it yourself (e.g. with Optimum) and load the folder, or type the id of an ' +
      'export you trust into the hub field.',
  },
];

export function catalogEntry(repoId: string): CatalogEntry | null {
  return MODEL_CATALOG.find((e) => e.repoId === repoId) ?? null;
}

/** A text-only instruct model offered as the FF judge. */
export interface JudgeCatalogEntry {
  repoId: string;
  label: string;
  paramsMillions: number;
  /** Always NOT_VERIFIED: not yet run on the real weights with this tool. */
  verified: string;
}

/**
 * Small instruct models with transformers.js ONNX exports, offered as local FF judges. The paper
 * judged FF answers with GPT-4o; scores from these small judges are not directly comparable.
 */
export const JUDGE_CATALOG: readonly JudgeCatalogEntry[] = [
  {
    repoId: 'onnx-community/Qwen2.5-0.5B-Instruct',
    label: 'Qwen2.5 0.5B Instruct',
    paramsMillions: 494,
    verified: NOT_VERIFIED,
  },
  {
    repoId: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    label: 'SmolLM2 360M Instruct',
    paramsMillions: 362,
    verified: NOT_VERIFIED,
  },
  {
    repoId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    label: 'SmolLM2 135M Instruct',
    paramsMillions: 135,
    verified: NOT_VERIFIED,
  },
];

export const JUDGE_NOTE =
  'The paper judged FF answers with GPT-4o. A small local judge scores differently, so FF numbers ' +
  'from it are not directly comparable with the paper’s.';
