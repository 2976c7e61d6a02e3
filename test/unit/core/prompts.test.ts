import { describe, expect, it } from 'vitest';
import {
  MODEL_FAMILIES,
  familyById,
  familyForConfig,
  type ModelFamily,
} from '../../../src/core/modelFamilies.ts';
import {
  OFFICIAL_PROMPTS,
  buildConversation,
  fillTemplate,
  judgePrompt,
  promptTemplate,
  promptTemplateHash,
  userText,
} from '../../../src/core/prompts.ts';
import { METHODS } from '../../../src/core/types.ts';
import { makePair } from './fixtures.ts';

const pair = makePair('1', 'A', ['Cerebral'], ['Cerebral'], {
  question: 'Which finding?',
  optionA: 'Bleed',
  optionB: 'Infarct',
});
const smolvlm = familyById('smolvlm') as ModelFamily;

describe('fillTemplate', () => {
  it('fills {} in order like Python str.format', () => {
    expect(fillTemplate('Q: {} A: {} B: {}', 'q', 'a', 'b')).toBe('Q: q A: a B: b');
    expect(fillTemplate('{{literal}} {}', 'x')).toBe('{literal} x');
    expect(fillTemplate('values {} stay {}', '{}', '}{')).toBe('values {} stay }{');
  });

  it('rejects a placeholder/argument count mismatch and stray braces', () => {
    expect(() => fillTemplate('{} {}', 'a')).toThrow(/more \{\} placeholders/);
    expect(() => fillTemplate('{}', 'a', 'b')).toThrow(/1 \{\} placeholders but 2 values/);
    expect(() => fillTemplate('{0}', 'a')).toThrow(/stray/);
  });
});

describe('official prompts', () => {
  it('can each be filled for the method that uses them (GD/MC: question and options, FF: question)', () => {
    const sections = [
      ['GD', 'greedy'],
      ['MC', 'mc'],
      ['FF', 'gpt4'],
    ] as const;
    for (const [method, mode] of sections) {
      const keys = Object.keys(OFFICIAL_PROMPTS.prompts[mode]!);
      expect(keys).toContain('default');
      for (const key of keys) {
        const text = userText(method, pair, { ...smolvlm, promptKey: key });
        expect(text, `${mode}.${key}`).toContain(pair.question);
        if (method !== 'FF') {
          expect(text, `${mode}.${key}`).toContain(pair.optionA);
          expect(text, `${mode}.${key}`).toContain(pair.optionB);
        }
      }
    }
  });

  it('uses the default templates per method', () => {
    expect(promptTemplate('GD', smolvlm)).toBe(OFFICIAL_PROMPTS.prompts.greedy.default);
    expect(promptTemplate('MC', smolvlm)).toBe(OFFICIAL_PROMPTS.prompts.mc.default);
    expect(promptTemplate('FF', smolvlm)).toBe(OFFICIAL_PROMPTS.prompts.gpt4.default);
    expect(promptTemplate('PS', smolvlm)).toBe('{}');
    expect(promptTemplate('GD')).toBe(OFFICIAL_PROMPTS.prompts.greedy.default);
  });

  it('honours prompts.json keys and family overrides', () => {
    const custom: ModelFamily = { ...smolvlm, promptKey: 'blip2', promptOverrides: { FF: 'Tell me: {}' } };
    expect(promptTemplate('GD', custom)).toBe(OFFICIAL_PROMPTS.prompts.greedy.blip2);
    expect(promptTemplate('PS', custom)).toBe('{}'); // no prefix override for chat models
    expect(userText('FF', pair, custom)).toBe('Tell me: Which finding?');
    const missing: ModelFamily = { ...smolvlm, promptKey: 'no_such_model' };
    expect(promptTemplate('MC', missing)).toBe(OFFICIAL_PROMPTS.prompts.mc.default);
  });

  it('fills question and options for GD/MC and only the question for FF/PS', () => {
    expect(userText('GD', pair, smolvlm)).toBe(
      'Based on the image, choose the correct option for the following question.\nQuestion: Which finding?\n' +
        "A: Bleed\nB: Infarct\nAnswer with the option's letter from the given choices directly.\nAnswer: ",
    );
    expect(userText('MC', pair, smolvlm)).toBe(
      'Based on the image, choose the correct option for the following question.\nQuestion: Which finding?\n' +
        '("A": Bleed)\n("B": Infarct)\nAnswer with the option\'s letter from the given choices directly. ' +
        'Your answer should be just one letter.\n#answer: ("',
    );
    expect(userText('FF', pair, smolvlm)).toBe(
      'Based on the image, answer following question.\nWhich finding?',
    );
    expect(userText('PS', pair, smolvlm)).toBe('Which finding?');
  });
});

describe('buildConversation', () => {
  it('puts the image first, then the text, in the user turn for every method', () => {
    for (const method of METHODS) {
      const messages = buildConversation(method, pair, smolvlm);
      expect(messages).toEqual([
        {
          role: 'user',
          content: [{ type: 'image' }, { type: 'text', text: userText(method, pair, smolvlm) }],
        },
      ]);
    }
  });

  it('adds the option as the assistant turn for PS', () => {
    expect(buildConversation('PS', pair, smolvlm, 'B')).toEqual([
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Which finding?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Infarct' }] },
    ]);
    expect(() => buildConversation('MC', pair, smolvlm, 'A')).toThrow(/only PS and GD/);
  });

  it('adds the bare letter as the assistant turn for GD (how the template writes the answer)', () => {
    expect(buildConversation('GD', pair, smolvlm, 'A').slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'A' }] },
    ]);
  });
});

describe('judgePrompt', () => {
  it('is the official clean-up prompt character for character', () => {
    const { role, instruct_prompt } = OFFICIAL_PROMPTS.conversion;
    expect(role).toBe('AI Assistant');
    expect(judgePrompt(pair, 'It looks like a bleed.')).toBe(
      '[Question]\nWhich finding?\n\n[Answer A]\nBleed\n\n[Answer B]\nInfarct\n\n' +
        '[AI Assistant]\nIt looks like a bleed.\n\n[End of AI Assistant]\n\n' +
        `[System]\n${instruct_prompt}\n\n`,
    );
  });
});

describe('promptTemplateHash', () => {
  it('is stable and differs between methods and templates', () => {
    expect(promptTemplateHash('GD', smolvlm)).toBe(promptTemplateHash('GD', familyById('qwen2_vl')));
    const hashes = new Set(METHODS.map((m) => promptTemplateHash(m, smolvlm)));
    expect(hashes.size).toBe(4);
    expect(promptTemplateHash('GD', { ...smolvlm, promptKey: 'blip2' })).not.toBe(
      promptTemplateHash('GD', smolvlm),
    );
  });
});

describe('model families', () => {
  it('match HF configs by architectures, then model_type', () => {
    expect(familyForConfig({ architectures: ['Idefics3ForConditionalGeneration'] })?.id).toBe('smolvlm');
    expect(familyForConfig({ architectures: ['SmolVLMForConditionalGeneration'] })?.id).toBe('smolvlm');
    expect(familyForConfig({ model_type: 'smolvlm' })?.id).toBe('smolvlm');
    expect(familyForConfig({ model_type: 'idefics3' })?.id).toBe('smolvlm');
    expect(familyForConfig({ architectures: ['Qwen2VLForConditionalGeneration'] })?.id).toBe('qwen2_vl');
    expect(familyForConfig({ architectures: ['LlavaOnevisionForConditionalGeneration'] })?.id).toBe(
      'llava_onevision',
    );
    expect(familyForConfig({ architectures: ['Gemma3ForConditionalGeneration'] })?.id).toBe('gemma3');
    expect(familyForConfig({ architectures: ['LlavaQwen2ForCausalLM'] })?.id).toBe('fastvlm');
    expect(familyForConfig({ model_type: 'llava_qwen2' })?.id).toBe('fastvlm');
    expect(familyForConfig({ architectures: ['Florence2ForConditionalGeneration'] })?.id).toBe('florence2');
    expect(familyForConfig({ architectures: ['Unknown'], model_type: 'qwen2_vl' })?.id).toBe('qwen2_vl');
    expect(familyForConfig({ architectures: ['BertModel'], model_type: 'bert' })).toBeNull();
    expect(familyForConfig({})).toBeNull();
  });

  it('are honest about what is verified and what can chat', () => {
    expect(MODEL_FAMILIES.filter((f) => f.verified).map((f) => f.id)).toEqual(['smolvlm']);
    expect(familyById('florence2')?.supportsChat).toBe(false);
    const ids = MODEL_FAMILIES.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of MODEL_FAMILIES) {
      expect(f.imagePlacement).toBe('first');
      expect(f.letterTokens).toEqual({ A: 'A', B: 'B' });
      // A misspelt key would silently fall back to the default templates.
      expect(
        Object.values(OFFICIAL_PROMPTS.prompts).some((section) => f.promptKey in section),
        f.id,
      ).toBe(true);
    }
    expect(familyById('smolvlm')?.endOfTurnTokens).toEqual(['<end_of_utterance>']);
    expect(familyById('qwen2_vl')?.endOfTurnTokens).toEqual(['<|im_end|>']);
    expect(familyById('gemma3')?.endOfTurnTokens).toEqual(['<end_of_turn>']);
  });
});
