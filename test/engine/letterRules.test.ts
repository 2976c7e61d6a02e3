// GD's letter rules on the SmolVLM replica (.fixtures/models/replica-smolvlm: SmolVLM-256M's
// tokenizer layout, byte-level BPE where "A" and " A" are different tokens, and its chat template,
// whose generation prompt ends "Assistant:" while its answer turn reads "Assistant: A"). The engine
// finds every spelling of each letter, each rule reads the expected token ids, a run under each rule
// is re-derived exactly from the letter logits another run stored (after the bundle's write and
// read), and the run identity changes with the rule, in the engine and on the command line.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCaseRecord } from '../../src/core/results/exportFiles.ts';
import { recordFromJson } from '../../src/core/results/importFiles.ts';
import {
  LETTER_RULES,
  letterRuleAnswer,
  ruleTokenIds,
  type LetterRule,
} from '../../src/core/run/letterRules.ts';
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import { caseIdOf, type CaseRecord } from '../../src/core/types.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import { planEvaluation } from '../../scripts/lib/evaluate.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { compareRecords, IMAGES_DIR, officialDataset } from '../support/fixtures.ts';
import { replicaDir } from '../support/replicaSuite.ts';

const MODEL = replicaDir('replica-smolvlm');
const dataset = officialDataset();
const pairsById = new Map(dataset.pairs.map((p) => [p.id, p]));
const sample = dataset.pairs.slice(0, 4);
const requests = sample.flatMap((p) =>
  ([1, 2] as const).map((slot) => ({ pairId: p.id, slot, method: 'GD' as const })),
);

/** The ids as the replica's tokenizer.json lists them ("Ġ" is byte-level BPE's space). */
const vocab = (
  JSON.parse(readFileSync(path.join(MODEL, 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number> };
  }
).model.vocab;
const IDS = { A: vocab['A']!, spaceA: vocab['ĠA']!, B: vocab['B']!, spaceB: vocab['ĠB']! };

let engine: NodeEngine;
let lm: LoadedModel;
const temps: string[] = [];

async function runGd(
  rule: LetterRule,
  mode: 'cached' | 'full' = 'cached',
  reqs = requests,
): Promise<CaseRecord[]> {
  const records: CaseRecord[] = [];
  await engine.runCases(
    lm,
    pairsById,
    imageGroupsOf(reqs, pairsById),
    folderImageLoader(engine, IMAGES_DIR),
    { mode, onRecord: (r) => void records.push(r) },
    engine.createScorer(lm, {}, rule),
  );
  return records;
}

/** A record as the results bundle writes it and reads it back (what a stored run re-reads). */
function storedAndRead(r: CaseRecord): CaseRecord {
  const json = JSON.parse(JSON.stringify(toCaseRecord(r))) as unknown;
  return recordFromJson(json, 'record', new Set(pairsById.keys()), dataset.name);
}

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
  lm = await engine.loadModel(
    { source: { kind: 'path', path: MODEL }, device: 'wasm', dtype: 'fp32' },
    engine.host,
  );
});

afterAll(async () => {
  await lm?.model.dispose();
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

describe('GD letter tokens on the SmolVLM replica', () => {
  it('has "A", " A", "B", " B" as four distinct single tokens, and finds exactly those spellings', () => {
    expect(lm.family.id).toBe('smolvlm');
    expect(new Set(Object.values(IDS)).size).toBe(4);
    const tokenizer = lm.processor.tokenizer!;
    expect(tokenizer.encode('A', { add_special_tokens: false })).toEqual([IDS.A]);
    expect(tokenizer.encode(' A', { add_special_tokens: false })).toEqual([IDS.spaceA]);
    expect(lm.letterSpellings.officialIds).toEqual({ A: IDS.A, B: IDS.B });
    expect(lm.letterSpellings.spellings).toEqual({
      A: [
        { tokenId: IDS.A, text: 'A' },
        { tokenId: IDS.spaceA, text: ' A' },
      ].sort((a, b) => a.tokenId - b.tokenId),
      B: [
        { tokenId: IDS.B, text: 'B' },
        { tokenId: IDS.spaceB, text: ' B' },
      ].sort((a, b) => a.tokenId - b.tokenId),
    });
    expect(lm.info.letterSpellings).toEqual(lm.letterSpellings.spellings);
  });

  it('reads the expected token ids under each rule, and each rule’s run is re-derived exactly from stored logits', async () => {
    const runs = {} as Record<LetterRule, CaseRecord[]>;
    for (const rule of LETTER_RULES) runs[rule] = await runGd(rule);
    const expectedIds: Record<LetterRule, { A: number[]; B: number[] }> = {
      official: { A: [IDS.A], B: [IDS.B] },
      'as-written': { A: [IDS.spaceA], B: [IDS.spaceB] },
      both: { A: [IDS.A, IDS.spaceA].sort((a, b) => a - b), B: [IDS.B, IDS.spaceB].sort((a, b) => a - b) },
    };
    const stored = runs.official.map(storedAndRead);
    const differ: Partial<Record<LetterRule, number>> = {};
    for (const rule of LETTER_RULES) {
      expect(runs[rule]).toHaveLength(requests.length);
      for (const [i, r] of runs[rule].entries()) {
        const s = stored[i]!;
        expect(caseIdOf(r)).toBe(caseIdOf(s));
        // The template writes " A" / " B" after "Assistant:"; the official tokens are "A" / "B".
        expect(r.letterLogits!.A.asWrittenId).toBe(IDS.spaceA);
        expect(r.letterLogits!.B.asWrittenId).toBe(IDS.spaceB);
        expect(ruleTokenIds(r.letterLogits!, rule)).toEqual(expectedIds[rule]);
        // The same logits whatever the rule (the rule only reads them) …
        expect(r.letterLogits).toEqual(s.letterLogits);
        // … so the official run's stored record re-derives this run's answer and probabilities exactly.
        expect(letterRuleAnswer(s.letterLogits!, rule)).toEqual({
          answer: r.answer,
          probabilities: r.probabilities,
        });
      }
      differ[rule] = runs[rule].filter((r, i) => r.answer !== runs.official[i]!.answer).length;
    }
    // The official rule is what GD always computed: the two-way softmax of the logits of "A" and "B".
    for (const r of runs.official) {
      const logit = (l: 'A' | 'B', id: number) =>
        r.letterLogits![l].spellings.find((x) => x.tokenId === id)!.logit;
      const pA = 1 / (1 + Math.exp(logit('B', IDS.B) - logit('A', IDS.A)));
      expect(r.probabilities!.A).toBe(pA);
    }
    const meanA = (rule: LetterRule) =>
      (runs[rule].reduce((a, r) => a + r.probabilities!.A, 0) / runs[rule].length).toFixed(3);
    console.log(
      `replica-smolvlm, ${requests.length} GD cases: answers differing from the official rule: ` +
        `as-written ${differ['as-written']}, both ${differ.both}; mean P(A) official ${meanA('official')}, ` +
        `as-written ${meanA('as-written')}, both ${meanA('both')}`,
    );
  });

  it('scores the as-written rule the same cached and in full recomputation', async () => {
    const reqs = requests.slice(0, 2);
    const c = compareRecords(
      await runGd('as-written', 'cached', reqs),
      await runGd('as-written', 'full', reqs),
    );
    expect(c.answerMismatches).toEqual([]);
    expect(c.maxProbDiff).toBeLessThan(1e-4);
  });

  it('gives each rule its own run id (the official one unchanged), and the command line records it', async () => {
    const ids = LETTER_RULES.map(
      (rule) => planEvaluation(dataset, sample, lm.info, ['GD', 'PS'], null, true, 'default', rule).identity,
    );
    const byDefault = planEvaluation(dataset, sample, lm.info, ['GD', 'PS'], null, true).identity;
    expect(ids[0]!.runId).toBe(byDefault.runId);
    expect(new Set(ids.map((i) => i.runId)).size).toBe(3);
    expect(new Set(ids.map((i) => i.promptHashes.GD)).size).toBe(3);
    expect(new Set(ids.map((i) => i.promptHashes.PS)).size).toBe(1);

    const dir = await mkdtemp(path.join(tmpdir(), 'letter-rule-'));
    temps.push(dir);
    const out = path.join(dir, 'out.json');
    const args = ['tsx', 'scripts/eval.ts', '--model', MODEL, '--images', IMAGES_DIR, '--dtype', 'fp32'];
    args.push('--methods', 'gd', '--pairs', '2', '--letter-rule', 'as-written', '--out', out, '--quiet');
    const { stdout } = await promisify(execFile)('npx', args, { maxBuffer: 1 << 24 });
    expect(stdout).toContain('GD letter rule: as written');
    expect(stdout).toContain('not comparable');
    const result = JSON.parse(await readFile(out, 'utf8')) as {
      runCard: { runId: string; letterRule: string; letterSpellings: unknown };
      records: CaseRecord[];
    };
    const asWritten = planEvaluation(
      dataset,
      dataset.pairs.slice(0, 2),
      lm.info,
      ['GD'],
      null,
      false,
      'default',
      'as-written',
    );
    expect(result.runCard.letterRule).toBe('as-written');
    expect(result.runCard.runId).toBe(asWritten.identity.runId);
    expect(result.runCard.runId).not.toBe(
      planEvaluation(dataset, dataset.pairs.slice(0, 2), lm.info, ['GD'], null, false).identity.runId,
    );
    expect(result.runCard.letterSpellings).toEqual(lm.letterSpellings.spellings);
    expect(result.records).toHaveLength(4);
    const inProcess = await runGd('as-written', 'cached', requests.slice(0, 4));
    for (const r of result.records) {
      expect(letterRuleAnswer(r.letterLogits!, 'as-written')).toEqual({
        answer: r.answer,
        probabilities: r.probabilities,
      });
      const same = inProcess.find((x) => caseIdOf(x) === caseIdOf(r))!;
      expect(r.answer).toBe(same.answer);
      expect(r.probabilities).toEqual(same.probabilities);
    }
  });
});
