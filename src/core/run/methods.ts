// The per-method table: everything the UI, the CLI and the engine need to know about GD, PS, MC
// and FF (official mode name, label, whether the blind baseline runs it, whether it needs a judge,
// its token limit), so no list of methods or limit is written anywhere else.
import { METHODS, type Method } from '../types.ts';

export interface MethodSpec {
  method: Method;
  /** The official code's mode name (file names, prompts.json sections). */
  officialMode: 'greedy' | 'prefix' | 'mc' | 'gpt4';
  /** In the benchmark's own words. */
  label: string;
  /** One sentence for a tooltip: how the answer is obtained. */
  description: string;
  /** Answered from logits (never invalid): the blind baseline asks these with a blank image. */
  blindable: boolean;
  /** FF: a second, text-only model judges the free answer. */
  needsJudge: boolean;
  /** New tokens generated at most (MC, FF's default); null for methods answered from logits. */
  maxNewTokens: number | null;
}

/** FF answers are free text: 64 new tokens by default (a run setting). */
export const DEFAULT_FF_MAX_NEW_TOKENS = 64;
/** The judge's score gap at which one FF option wins (a run setting). */
export const DEFAULT_FF_THRESHOLD = 3;
/** MC answers: greedy generation of up to 32 tokens, as the official code. */
export const MC_MAX_NEW_TOKENS = 32;

export const METHOD_SPECS: Readonly<Record<Method, MethodSpec>> = {
  GD: {
    method: 'GD',
    officialMode: 'greedy',
    label: 'greedy decoding',
    description: 'One forward pass; softmax over the logits of A and B.',
    blindable: true,
    needsJudge: false,
    maxNewTokens: null,
  },
  PS: {
    method: 'PS',
    officialMode: 'prefix',
    label: 'prefix score',
    description: 'Geometric mean of the probabilities of each option’s own tokens.',
    blindable: true,
    needsJudge: false,
    maxNewTokens: null,
  },
  MC: {
    method: 'MC',
    officialMode: 'mc',
    label: 'multiple choice',
    description: `Generated answer (up to ${MC_MAX_NEW_TOKENS} tokens) parsed by the official rules.`,
    blindable: false,
    needsJudge: false,
    maxNewTokens: MC_MAX_NEW_TOKENS,
  },
  FF: {
    method: 'FF',
    officialMode: 'gpt4',
    label: 'free form',
    description:
      'A free answer judged by a second model (the paper used GPT-4o; a small local judge is not comparable).',
    blindable: false,
    needsJudge: true,
    maxNewTokens: DEFAULT_FF_MAX_NEW_TOKENS,
  },
};

/** The official code's mode names (file names, prompts.json sections). */
export const OFFICIAL_MODE: Readonly<Record<Method, MethodSpec['officialMode']>> = {
  GD: METHOD_SPECS.GD.officialMode,
  PS: METHOD_SPECS.PS.officialMode,
  MC: METHOD_SPECS.MC.officialMode,
  FF: METHOD_SPECS.FF.officialMode,
};

/** Methods the blind baseline (blank image) runs. */
export const BLIND_METHODS: readonly Method[] = METHODS.filter((m) => METHOD_SPECS[m].blindable);

export function isMethod(value: string): value is Method {
  return (METHODS as readonly string[]).includes(value);
}
