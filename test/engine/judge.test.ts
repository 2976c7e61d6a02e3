// The FF judge in Node on onnxruntime-web's wasm backend, on the generated tiny text-only judge
// (a Llama-layout causal LM with a ChatML template, scripts/fixtures/tinyJudge.ts): loading and
// its refusals (missing weights named, image-text or template-less models refused before any
// session), the official judge conversation, replies that parse for some inputs and not for
// others with answers exactly as the core rules give them, determinism, a key/value cache that
// agrees with full recomputation, and a complete FF run with the tiny VLM answering.
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeAnswer, parseJudgeOutput } from '../../src/core/answers.ts';
import { judgePrompt, judgeSystemPrompt } from '../../src/core/prompts.ts';
import type { CaseRecord, ConfusionPair } from '../../src/core/types.ts';
import type { LoadProgress } from '../../workers/engine/protocol.ts';
// Types only: judge.ts imports transformers.js, which must load after the backend is chosen.
import type * as JudgeModule from '../../workers/engine/judge.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { FIXTURES_DIR, IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';

const JUDGE_DIR = path.join(FIXTURES_DIR, 'models', 'tiny-judge');

let engine: NodeEngine;
let J: typeof JudgeModule;
let judge: JudgeModule.LoadedJudge;
const loadEvents: LoadProgress[] = [];
const dataset = officialDataset();
const scratch: string[] = [];

/** 20 (pair, free-form answer) inputs: options verbatim, sentences, empty and unrelated text. */
const inputs: { pair: ConfusionPair; answer: string }[] = dataset.pairs.slice(0, 20).map((pair, i) => ({
  pair,
  answer: [
    pair.optionA,
    pair.optionB,
    `The image shows ${pair.optionB.toLowerCase()}.`,
    '',
    'I cannot tell from this image.',
  ][i % 5]!,
}));

async function copyJudge(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tiny-judge-'));
  scratch.push(dir);
  const target = path.join(dir, 'tiny-judge');
  await cp(JUDGE_DIR, target, { recursive: true });
  return target;
}

async function refusal(promise: Promise<unknown>): Promise<{ kind: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    return { kind: (e as { kind?: string }).kind ?? 'none', message: (e as Error).message };
  }
  throw new Error('expected the load to be refused');
}

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
  J = await import('../../workers/engine/judge.ts');
  judge = await J.loadJudge({ source: { kind: 'path', path: JUDGE_DIR }, device: 'wasm' }, engine.host, (p) =>
    loadEvents.push(p),
  );
});

afterAll(async () => {
  await judge?.model.dispose();
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
});

describe('loading a judge', () => {
  it('loads the tiny causal LM from a folder (fp32 chosen from the files present)', async () => {
    const config = JSON.parse(await readFile(path.join(JUDGE_DIR, 'config.json'), 'utf8'));
    expect(judge.info).toMatchObject({
      modelId: 'tiny-judge',
      revision: 'local',
      architecture: 'LlamaForCausalLM',
      device: 'wasm',
      dtype: 'fp32',
      vocabSize: config.vocab_size,
    });
    expect(judge.info.files).toContain('onnx/model.onnx');
    expect(loadEvents[0]!.phase).toBe('checking');
    expect(loadEvents.some((e) => e.phase === 'sessions')).toBe(true);
    expect(loadEvents.at(-1)!.phase).toBe('ready');
  });

  it('is a small Llama-layout folder whose fp16 file judges too', async () => {
    const config = JSON.parse(await readFile(path.join(JUDGE_DIR, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      num_hidden_layers: 2,
      num_key_value_heads: 2,
      eos_token_id: judge.tokenizer.convert_tokens_to_ids('<|im_end|>'),
    });
    let bytes = 0;
    for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_fp16.onnx']) {
      bytes += (await stat(path.join(JUDGE_DIR, f))).size;
    }
    expect(bytes).toBeLessThan(2_000_000);
    const half = await J.loadJudge(
      { source: { kind: 'path', path: JUDGE_DIR }, device: 'wasm', dtype: 'fp16' },
      engine.host,
    );
    try {
      expect(half.info.files).toContain('onnx/model_fp16.onnx');
      const v = await J.judgeFreeFormAnswer(half, inputs[0]!.pair, inputs[0]!.answer);
      expect(v.rawText.length).toBeGreaterThan(0);
      expect(v.answer).toBe(judgeAnswer(v.scores, 3));
    } finally {
      await half.model.dispose();
    }
  });

  it('refuses a folder without onnx/model.onnx, naming the file, before creating sessions', async () => {
    const dir = await copyJudge();
    await rm(path.join(dir, 'onnx', 'model.onnx'));
    const events: LoadProgress[] = [];
    const explicit = await refusal(
      J.loadJudge({ source: { kind: 'path', path: dir }, device: 'wasm', dtype: 'fp32' }, engine.host, (p) =>
        events.push(p),
      ),
    );
    expect(explicit.kind).toBe('missing-files');
    expect(explicit.message).toContain('onnx/model.onnx');
    expect(events.some((e) => e.phase === 'sessions')).toBe(false);
    // Without a dtype the fp16 file still present is used; without any weights the message says
    // which file was expected.
    await rm(path.join(dir, 'onnx', 'model_fp16.onnx'));
    const none = await refusal(
      J.loadJudge({ source: { kind: 'path', path: dir }, device: 'wasm' }, engine.host),
    );
    expect(none.kind).toBe('missing-files');
    expect(none.message).toContain('onnx/model.onnx');
  });

  it('refuses the image-text model as judge (not a causal LM) before creating sessions', async () => {
    const events: LoadProgress[] = [];
    const r = await refusal(
      J.loadJudge({ source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm' }, engine.host, (p) =>
        events.push(p),
      ),
    );
    expect(r.kind).toBe('unsupported-architecture');
    expect(r.message).toContain('Idefics3ForConditionalGeneration');
    expect(events.some((e) => e.phase === 'sessions')).toBe(false);
  });

  it('refuses a model whose tokenizer has no chat template', async () => {
    const dir = await copyJudge();
    const file = path.join(dir, 'tokenizer_config.json');
    const config = JSON.parse(await readFile(file, 'utf8'));
    delete config.chat_template;
    await writeFile(file, JSON.stringify(config));
    const r = await refusal(
      J.loadJudge({ source: { kind: 'path', path: dir }, device: 'wasm' }, engine.host),
    );
    expect(r.kind).toBe('unsupported-architecture');
    expect(r.message).toMatch(/chat template/);
  });
});

describe('judging free-form answers', () => {
  it('renders the official judge conversation with the ChatML template', () => {
    const { pair, answer } = inputs[2]!;
    const text = judge.tokenizer.apply_chat_template(J.judgeMessages(pair, answer), {
      add_generation_prompt: true,
      tokenize: false,
    });
    expect(text).toBe(
      `<|im_start|>system\n${judgeSystemPrompt()}<|im_end|>\n` +
        `<|im_start|>user\n${judgePrompt(pair, answer)}<|im_end|>\n<|im_start|>assistant\n`,
    );
  });

  it('keeps every raw reply; parses some, marks the rest invalid, exactly by the core rules', async () => {
    const counters = { decoderCalls: 0, tokensPrefilled: 0, tokensDecoded: 0 };
    const verdicts: JudgeModule.JudgeVerdict[] = [];
    for (const { pair, answer } of inputs) {
      verdicts.push(await J.judgeFreeFormAnswer(judge, pair, answer, { counters }));
    }
    let promptTokens = 0;
    for (const [i, v] of verdicts.entries()) {
      expect(typeof v.rawText).toBe('string');
      expect(v.rawText.length).toBeGreaterThan(0);
      expect(v.rawText).not.toContain('<|im_end|>');
      const parsed = parseJudgeOutput(v.rawText);
      expect(v.scores).toEqual(parsed ? { A: parsed.A, B: parsed.B } : null);
      expect(v.answer).toBe(judgeAnswer(parsed, 3));
      const { pair, answer } = inputs[i]!;
      const ids = judge.tokenizer.apply_chat_template(J.judgeMessages(pair, answer), {
        add_generation_prompt: true,
        return_tensor: false,
        return_dict: false,
      }) as number[];
      promptTokens += ids.length;
    }
    const parsedCount = verdicts.filter((v) => v.scores !== null).length;
    console.log(
      `judge replies parsed: ${parsedCount}/${verdicts.length}; answers ` +
        `A ${verdicts.filter((v) => v.answer === 'A').length}, ` +
        `B ${verdicts.filter((v) => v.answer === 'B').length}, ` +
        `invalid ${verdicts.filter((v) => v.answer === null).length}`,
    );
    expect(parsedCount).toBeGreaterThanOrEqual(3);
    expect(parsedCount).toBeLessThanOrEqual(17);
    // Parsed but too close to call is invalid too; some parsed replies do pick a letter.
    expect(verdicts.some((v) => v.answer !== null)).toBe(true);
    expect(counters.tokensPrefilled).toBe(promptTokens);
    expect(counters.tokensDecoded).toBeGreaterThanOrEqual(verdicts.length);
    expect(counters.decoderCalls).toBe(counters.tokensDecoded);

    // Deterministic: the same inputs give the same replies.
    for (const [i, { pair, answer }] of inputs.entries()) {
      expect(await J.judgeFreeFormAnswer(judge, pair, answer)).toEqual(verdicts[i]);
    }
  });

  it('applies the threshold and the reply length it is given', async () => {
    let checked = 0;
    for (const { pair, answer } of inputs) {
      const v = await J.judgeFreeFormAnswer(judge, pair, answer, { threshold: 1 });
      expect(v.answer).toBe(judgeAnswer(v.scores, 1));
      if (v.scores && v.scores.A !== v.scores.B) {
        expect(v.answer).toBe(v.scores.A > v.scores.B ? 'A' : 'B');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    // A reply cut after two tokens cannot hold both scores: invalid, never guessed.
    const cut = await J.judgeFreeFormAnswer(judge, inputs[0]!.pair, inputs[0]!.answer, { maxNewTokens: 2 });
    expect(judge.tokenizer.encode(cut.rawText, { add_special_tokens: false }).length).toBeLessThanOrEqual(2);
    expect(cut.scores).toBeNull();
    expect(cut.answer).toBeNull();
  });

  it('generates with its key/value cache what full recomputation gives token by token', async () => {
    const { Tensor } = engine.transformers;
    const { pair, answer } = inputs[1]!;
    const prompt = judge.tokenizer.apply_chat_template(J.judgeMessages(pair, answer), {
      add_generation_prompt: true,
      return_tensor: false,
      return_dict: false,
    }) as number[];
    const cached = await (
      judge.model as unknown as { generate(x: unknown): Promise<{ data: BigInt64Array }> }
    )
      .generate({
        input_ids: new Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]),
        attention_mask: new Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]),
        max_new_tokens: 12,
        do_sample: false,
      })
      .then((t) => Array.from(t.data, Number).slice(prompt.length));
    const eos = judge.tokenizer.convert_tokens_to_ids('<|im_end|>') as number;
    const full: number[] = [];
    const run = judge.model as unknown as (
      x: unknown,
    ) => Promise<Record<string, { dims: number[]; data: Float32Array }>>;
    for (let step = 0; step < 12; step++) {
      const ids = [...prompt, ...full];
      const out = await run({
        input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
        attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      });
      const V = out.logits!.dims.at(-1)!;
      const last = out.logits!.data.subarray((ids.length - 1) * V, ids.length * V);
      let best = 0;
      for (let v = 1; v < V; v++) if (last[v]! > last[best]!) best = v;
      full.push(best);
      if (best === eos) break;
    }
    expect(cached).toEqual(full);
  });
});

describe('a full FF run', () => {
  it('answers with the tiny VLM, judges with the tiny judge, and stores both raw texts', async () => {
    const lm = await engine.loadModel(
      { source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm', dtype: 'fp32' },
      engine.host,
    );
    try {
      const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));
      const requests = dataset.pairs
        .slice(0, 6)
        .flatMap((p) => ([1, 2] as const).map((slot) => ({ pairId: p.id, slot, method: 'FF' as const })));
      const judgeCounters = { decoderCalls: 0, tokensPrefilled: 0, tokensDecoded: 0 };
      const scorer = new engine.Scorer(lm, engine.newCounters(), {
        judge: (pair, text) => J.judgeFreeFormAnswer(judge, pair, text, { counters: judgeCounters }),
      });
      const records: CaseRecord[] = [];
      const summary = await engine.runCases(
        lm,
        pairs,
        imageGroupsOf(requests, pairs),
        folderImageLoader(engine, IMAGES_DIR),
        { mode: 'cached', onRecord: (r) => void records.push(r) },
        scorer,
      );
      expect(summary.done).toBe(requests.length);
      expect(records).toHaveLength(requests.length);
      for (const r of records) {
        expect(r.method).toBe('FF');
        expect(typeof r.generatedText).toBe('string');
        expect(r.judge!.rawText.length).toBeGreaterThan(0);
        const parsed = parseJudgeOutput(r.judge!.rawText);
        expect(r.judge!.scores).toEqual(parsed ? { A: parsed.A, B: parsed.B } : null);
        expect(r.answer).toBe(judgeAnswer(parsed, 3));
      }
      expect(judgeCounters.tokensPrefilled).toBeGreaterThan(0);
      console.log(
        `FF run: ${records.length} cases, judge replies parsed ${records.filter((r) => r.judge!.scores).length}, ` +
          `valid answers ${records.filter((r) => r.answer !== null).length}`,
      );
    } finally {
      await lm.model.dispose();
    }
  });
});
