// Official prompt texts (prompts.json) and how each method's conversation is built from them.
// The user turn always holds the image first, then the text; PS adds the option as the assistant turn,
// GD its letter (only to see how the template writes the answer: core/run/letterRules "as written").

import prompts from '../data/mediconfusion/prompts.json' with { type: 'json' };
import { stableHash } from './hash.ts';
import type { ModelFamily } from './modelFamilies.ts';
import type { ConfusionPair, Letter, Method } from './types.ts';
import { OFFICIAL_MODE } from './run/methods.ts';

export interface OfficialPrompts {
  prompts: Record<'greedy' | 'mc' | 'prefix' | 'gpt4', Record<string, string>>;
  init_prompts: Record<string, unknown>;
  conversion: {
    instruct_prompt: string;
    role: string;
    init_prompt: string;
    gpt_deployment_name: string;
    temperature: number;
  };
}

export const OFFICIAL_PROMPTS: OfficialPrompts = prompts;

/** Chat messages in the shape transformers.js processors' apply_chat_template expects. */
export type ChatContent = { type: 'image' } | { type: 'text'; text: string };
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: ChatContent[];
}

/**
 * Python-style sequential `{}` filling (`{{`/`}}` are literal braces). Unlike Python's
 * str.format, a wrong number of arguments is an error: it would mean a broken template.
 */
export function fillTemplate(template: string, ...args: string[]): string {
  let out = '';
  let used = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    const next = template[i + 1];
    if (c === '{' && next === '{') {
      out += '{';
      i++;
    } else if (c === '}' && next === '}') {
      out += '}';
      i++;
    } else if (c === '{' && next === '}') {
      if (used >= args.length) {
        throw new Error(`template has more {} placeholders than the ${args.length} values given`);
      }
      out += args[used++];
      i++;
    } else if (c === '{' || c === '}') {
      throw new Error(`template has a stray "${c}" at ${i}; only {} placeholders are supported`);
    } else {
      out += c;
    }
  }
  if (used !== args.length) {
    throw new Error(`template has ${used} {} placeholders but ${args.length} values were given`);
  }
  return out;
}

/**
 * The user-turn template for a method. PS is '{}' (the plain question): chat models in the
 * official code put the question in the user turn and the option in the assistant turn, so the
 * `prefix` template of prompts.json is not used.
 */
export function promptTemplate(method: Method, family?: ModelFamily | null): string {
  const override = family?.promptOverrides?.[method];
  if (override !== undefined) return override;
  if (method === 'PS') return '{}';
  const section = OFFICIAL_PROMPTS.prompts[OFFICIAL_MODE[method]];
  const key = family?.promptKey ?? 'default';
  const template = section[key] ?? section.default;
  if (template === undefined) throw new Error(`prompts.json has no default template for ${method}`);
  return template;
}

/** The user text for a pair: GD/MC fill question and both options, FF and PS only the question. */
export function userText(method: Method, pair: ConfusionPair, family?: ModelFamily | null): string {
  const template = promptTemplate(method, family);
  if (method === 'GD' || method === 'MC')
    return fillTemplate(template, pair.question, pair.optionA, pair.optionB);
  return fillTemplate(template, pair.question);
}

export function optionText(pair: ConfusionPair, option: Letter): string {
  return option === 'A' ? pair.optionA : pair.optionB;
}

/**
 * The conversation for one case: user turn [image, text]. With an option, the assistant turn
 * follows: for PS the option's text, for GD the bare letter (the answer as the template writes it,
 * read by GD's "as written" letter rule). Without one: the prompt-only conversation.
 */
export function buildConversation(
  method: Method,
  pair: ConfusionPair,
  family?: ModelFamily | null,
  option?: Letter,
): ChatMessage[] {
  if (option !== undefined && method !== 'PS' && method !== 'GD') {
    throw new Error(`only PS and GD conversations take an option (got ${option} for ${method})`);
  }
  const messages: ChatMessage[] = [
    { role: 'user', content: [{ type: 'image' }, { type: 'text', text: userText(method, pair, family) }] },
  ];
  if (option !== undefined) {
    const answer = method === 'PS' ? optionText(pair, option) : option;
    messages.push({ role: 'assistant', content: [{ type: 'text', text: answer }] });
  }
  return messages;
}

/** The official FF judge prompt (get_clean_up_prompt), character for character. */
export function judgePrompt(pair: ConfusionPair, answerText: string): string {
  const { role, instruct_prompt: instruct } = OFFICIAL_PROMPTS.conversion;
  return (
    `[Question]\n${pair.question}\n\n` +
    `[Answer A]\n${pair.optionA}\n\n` +
    `[Answer B]\n${pair.optionB}\n\n` +
    `[${role}]\n${answerText}\n\n[End of ${role}]\n\n` +
    `[System]\n${instruct}\n\n`
  );
}

/** The judge's system prompt (conversion.init_prompt). */
export function judgeSystemPrompt(): string {
  return OFFICIAL_PROMPTS.conversion.init_prompt;
}

/** Identifies exactly which prompt a result was produced with (template, layout, judge text for FF). */
export function promptTemplateHash(method: Method, family?: ModelFamily | null): string {
  return stableHash({
    method,
    template: promptTemplate(method, family),
    imagePlacement: family?.imagePlacement ?? 'first',
    assistantOption: method === 'PS',
    judge: method === 'FF' ? OFFICIAL_PROMPTS.conversion : null,
  });
}
