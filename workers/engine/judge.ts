// The FF (free-form) judge: a text-only instruct model, loaded next to the image-text model in the
// same worker, reads the official judge instruction (prompts.json `conversion`) with the question,
// both options and the free-form answer, and replies with a 1-10 score per option. The reply is
// parsed with the core rules: unparsable means invalid, never a guess; otherwise the option ahead by
// at least the threshold wins. Loading shares loadModel.ts's checks (config first, architecture
// refused before any download, missing files named, WebGPU fallback).
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { judgeAnswer, parseJudgeOutput } from '../../src/core/answers.ts';
import { judgePrompt, judgeSystemPrompt } from '../../src/core/prompts.ts';
import type { Answer, ConfusionPair } from '../../src/core/types.ts';
import { DEFAULT_FF_THRESHOLD } from '../../src/core/run/methods.ts';
import type { WorkCounters } from '../../src/core/run/vocabulary.ts';
import { dtypeLabel } from '../../src/core/run/dtypes.ts';
import { classifyError, EngineError } from './errors.ts';
import { createSessions, prepareLoad, type EngineHost, type ModelConfig } from './loadModel.ts';
import type { JudgeInfo, LoadOptions, LoadProgress } from './protocol.ts';

export type { JudgeInfo } from './protocol.ts';

/** Default length of the judge's reply ("A: 7\nB: 2\nYour explanation: …"). */
export const JUDGE_MAX_NEW_TOKENS = 96;

/** Files a text-only model cannot load without, besides its ONNX weights. */
const JUDGE_SIDE_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

export interface LoadedJudge {
  model: PreTrainedModel;
  tokenizer: PreTrainedTokenizer;
  info: JudgeInfo;
}

export interface JudgeVerdict {
  /** The judge's reply, special tokens removed, otherwise untouched. */
  rawText: string;
  /** Parsed 1-10 scores, or null when the reply does not follow the format. */
  scores: { A: number; B: number } | null;
  /** The option ahead by at least the threshold; null when invalid (unparsable or too close). */
  answer: Answer;
}

export interface JudgeOptions {
  maxNewTokens?: number;
  threshold?: number;
  /** Work done by the judge is added here (one decoder call per generated token, as for MC). */
  counters?: Pick<WorkCounters, 'decoderCalls' | 'tokensPrefilled' | 'tokensDecoded'>;
}

export interface JudgeMessage {
  role: 'system' | 'user';
  content: string;
}

/** The judge conversation: the official system prompt, then the official judge instruction. */
export function judgeMessages(pair: ConfusionPair, answerText: string): JudgeMessage[] {
  return [
    { role: 'system', content: judgeSystemPrompt() },
    { role: 'user', content: judgePrompt(pair, answerText) },
  ];
}

function acceptCausalLM(config: ModelConfig): string {
  const architecture = (config.architectures ?? [])[0] ?? config.model_type ?? 'unknown';
  if (!config.model_type || !AutoModelForCausalLM.supports(config.model_type)) {
    throw new EngineError(
      'unsupported-architecture',
      `Architecture "${architecture}" (model_type "${config.model_type ?? 'unknown'}") is not a ` +
        'text-generation model that transformers.js loads with AutoModelForCausalLM; the judge must be ' +
        'a text-only instruct model (for example a Llama, Qwen2, SmolLM or Phi-3 chat model).',
    );
  }
  return architecture;
}

/**
 * Loads a judge model from the hub, a folder or picked files: refuses anything that is not a
 * causal LM (image-text models included) and any tokenizer without a chat template, names missing
 * files before downloading weights, and creates the sessions on the requested device.
 */
export async function loadJudge(
  opts: LoadOptions,
  host: EngineHost,
  onProgress: (p: LoadProgress) => void = () => {},
): Promise<LoadedJudge> {
  const prep = await prepareLoad(opts, host, onProgress, acceptCausalLM, JUDGE_SIDE_FILES);
  const { resolved, config, accepted: architecture, dtype, files, pretrained } = prep;
  let tokenizer: PreTrainedTokenizer;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(resolved.modelId, pretrained);
  } catch (e) {
    throw classifyError(e);
  }
  if (!tokenizer.chat_template) {
    throw new EngineError(
      'unsupported-architecture',
      `${resolved.modelId} has no chat template (tokenizer_config.json chat_template): the judge must be an instruct model.`,
    );
  }
  const { model, device, fallbackReason } = await createSessions(
    AutoModelForCausalLM,
    prep,
    opts,
    host,
    onProgress,
  );
  onProgress({ phase: 'ready' });
  return {
    model,
    tokenizer,
    info: {
      modelId: resolved.modelId,
      revision: resolved.revision,
      architecture,
      device,
      dtype: dtypeLabel(dtype),
      ...(fallbackReason ? { fallbackReason } : {}),
      files,
      vocabSize: Number(config.vocab_size ?? config.text_config?.vocab_size ?? 0),
      libraryVersions: host.libraryVersions,
    },
  };
}

type ChatInputs = { input_ids: Tensor; attention_mask: Tensor };

/** Token ids of the judge conversation with the generation prompt. */
function judgeInputs(tokenizer: PreTrainedTokenizer, messages: JudgeMessage[]): ChatInputs {
  const apply = (m: JudgeMessage[]) =>
    tokenizer.apply_chat_template(m, {
      add_generation_prompt: true,
      tokenize: true,
      return_tensor: true,
      return_dict: true,
    }) as unknown as ChatInputs;
  try {
    return apply(messages);
  } catch (e) {
    // Some templates (Gemma's) refuse a system turn: fold it into the user turn instead.
    const [system, user] = messages;
    if (system?.role !== 'system' || !user) throw e;
    return apply([{ role: 'user', content: `${system.content}\n\n${user.content}` }]);
  }
}

/**
 * Judges one free-form answer: greedy generation of the judge's reply to the official instruction,
 * parsed into scores for A and B. An unparsable reply gives `scores: null` and `answer: null`.
 */
export async function judgeFreeFormAnswer(
  judge: LoadedJudge,
  pair: ConfusionPair,
  answerText: string,
  { maxNewTokens = JUDGE_MAX_NEW_TOKENS, threshold = DEFAULT_FF_THRESHOLD, counters }: JudgeOptions = {},
): Promise<JudgeVerdict> {
  const inputs = judgeInputs(judge.tokenizer, judgeMessages(pair, answerText));
  const promptLength = inputs.input_ids.dims[1]!;
  let sequences: Tensor;
  try {
    sequences = (await (judge.model as unknown as { generate(x: unknown): Promise<Tensor> }).generate({
      input_ids: inputs.input_ids,
      attention_mask: inputs.attention_mask,
      max_new_tokens: maxNewTokens,
      do_sample: false,
    })) as Tensor;
  } catch (e) {
    throw classifyError(e);
  }
  const generated = Array.from(sequences.data as BigInt64Array, Number).slice(promptLength);
  if (counters) {
    counters.tokensPrefilled += promptLength;
    counters.tokensDecoded += generated.length;
    counters.decoderCalls += generated.length; // generate(): one call per new token
  }
  // (decode refuses an empty list, which max_new_tokens = 0 would give)
  const rawText =
    generated.length > 0 ? judge.tokenizer.decode(generated, { skip_special_tokens: true }) : '';
  const parsed = parseJudgeOutput(rawText);
  const scores = parsed ? { A: parsed.A, B: parsed.B } : null;
  return { rawText, scores, answer: judgeAnswer(scores, threshold) };
}
