// Test fixture generator: writes the tiny random-weight SmolVLM model folders and the synthetic
// MediConfusion images under one output folder (default `.fixtures`):
//   <out>/models/tiny-smolvlm/              config, tokenizer, processor configs, onnx/*.onnx
//                                           (decoder declares num_logits_to_keep)
//   <out>/models/tiny-smolvlm-full-logits/  same weights, decoder without num_logits_to_keep
//   <out>/models/tiny-judge/                text-only Llama-layout causal LM (ChatML), the FF judge
//   <out>/models/<replica>/                 one replica of a real hub export per family
//                                           (fixtures/replicas/: what each follows and why)
//   <out>/images/<local id>.jpg             one per im_1_local / im_2_local of the dataset
// A stamp (<out>/fixtures-stamp.json) records the generator version, a hash of the inputs
// (dataset + generator sources) and a hash of the files written; `ensureFixtures` regenerates only
// when one of them no longer matches. Deterministic: identical inputs give byte-identical files.
// CLI: npx tsx scripts/make-fixtures.ts [--out <dir>] [--force]
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateImages } from './fixtures/images.ts';
import type { JudgeCalibrationStats } from './fixtures/judgeGrammar.ts';
import type { CalibrationStats } from './fixtures/smolvlmCalibration.ts';
import type { DatasetItem } from './fixtures/spec.ts';
import { createTinyJudge, writeTinyJudge } from './fixtures/tinyJudge.ts';
import { createTinyModel, writeTinySmolVLM } from './fixtures/tinySmolVLM.ts';
import { REPLICAS } from './fixtures/replicas/index.ts';

/** Bump when the generated files change in a way the source hash would not catch. */
export const GENERATOR_VERSION = 2;
export const MODEL_NAME = 'tiny-smolvlm';
export const MODEL_NAME_FULL_LOGITS = 'tiny-smolvlm-full-logits';
export const JUDGE_MODEL_NAME = 'tiny-judge';
export const STAMP_FILE = 'fixtures-stamp.json';
const LOCK_DIR = '.lock';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
export const DATASET_PATH = path.join(repoRoot, 'public/data/mediconfusion/dataset.json');
/** The judge fixture is fitted on the official judge prompt (prompts.json via src/core/prompts.ts). */
const JUDGE_PROMPT_SOURCES = [
  path.join(repoRoot, 'src/data/mediconfusion/prompts.json'),
  path.join(repoRoot, 'src/core/prompts.ts'),
];
/** The seeded PRNG every generator draws from (scripts/fixtures/random.ts re-exports it). */
const PRNG_SOURCE = path.join(repoRoot, 'src/core/statistics.ts');

interface Stamp {
  version: number;
  inputsHash: string;
  filesHash: string;
  calibration: CalibrationStats;
  judgeCalibration?: JudgeCalibrationStats;
}

export async function loadDataset(): Promise<Record<string, DatasetItem>> {
  return JSON.parse(await readFile(DATASET_PATH, 'utf8')) as Record<string, DatasetItem>;
}

/** Dataset items in id order. */
export function datasetItems(dataset: Record<string, DatasetItem>): DatasetItem[] {
  return Object.keys(dataset)
    .sort()
    .map((k) => dataset[k]!);
}

/** sha256 of everything the generated files depend on (also the bench model's stamp). */
export async function inputsHash(): Promise<string> {
  const h = createHash('sha256');
  h.update(`version ${GENERATOR_VERSION}\n`);
  const sources = [
    path.join(here, 'make-fixtures.ts'),
    ...(await listFiles(path.join(here, 'fixtures')))
      .filter((n) => n.endsWith('.ts'))
      .map((n) => path.join(here, 'fixtures', n)),
    DATASET_PATH,
    ...JUDGE_PROMPT_SOURCES,
    PRNG_SOURCE,
  ];
  for (const file of sources) {
    h.update(`${path.relative(repoRoot, file)}\n`);
    h.update(await readFile(file));
  }
  return h.digest('hex');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** The folders this generator owns; others beside them (the bench model's `bench/`) are not its files. */
const GENERATED_PARTS = ['models', 'images'] as const;

/** sha256 over the relative paths and contents of every file in the generated folders under `dir`. */
export async function hashTree(dir: string): Promise<string> {
  const h = createHash('sha256');
  const files = (await Promise.all(GENERATED_PARTS.map((part) => listFiles(dir, part)))).flat();
  for (const rel of files) {
    h.update(`${rel}\n`);
    h.update(
      createHash('sha256')
        .update(await readFile(path.join(dir, rel)))
        .digest('hex'),
    );
  }
  return h.digest('hex');
}

async function readStamp(outDir: string): Promise<Stamp | null> {
  try {
    return JSON.parse(await readFile(path.join(outDir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

export interface GenerateResult {
  generated: boolean;
  calibration: CalibrationStats;
  /** absent in a stamp written before the judge fixture existed */
  judgeCalibration?: JudgeCalibrationStats;
  ms: number;
}

/** Writes every fixture into `outDir` unconditionally (through a temporary folder). */
export async function generateFixtures(outDir: string): Promise<GenerateResult> {
  const t0 = performance.now();
  const hash = await inputsHash();
  const items = datasetItems(await loadDataset());
  const model = createTinyModel(items);
  const judge = createTinyJudge(items);

  await mkdir(outDir, { recursive: true });
  const tmp = path.join(outDir, `.tmp-${process.pid}-${Date.now()}`);
  await rm(tmp, { recursive: true, force: true });
  try {
    await writeTinySmolVLM(path.join(tmp, 'models', MODEL_NAME), model, {
      numLogitsToKeep: true,
      fp16: true,
    });
    await writeTinySmolVLM(path.join(tmp, 'models', MODEL_NAME_FULL_LOGITS), model, {
      numLogitsToKeep: false,
      fp16: true,
    });
    await writeTinyJudge(path.join(tmp, 'models', JUDGE_MODEL_NAME), judge, { fp16: true });
    for (const replica of REPLICAS) await replica.write(path.join(tmp, 'models', replica.name), items);
    await generateImages(
      path.join(tmp, 'images'),
      items.flatMap((it) => [it.im_1_local, it.im_2_local]),
    );
    await rm(path.join(outDir, STAMP_FILE), { force: true });
    for (const part of GENERATED_PARTS) {
      await rm(path.join(outDir, part), { recursive: true, force: true });
      await rename(path.join(tmp, part), path.join(outDir, part));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const stamp: Stamp = {
    version: GENERATOR_VERSION,
    inputsHash: hash,
    filesHash: await hashTree(outDir),
    calibration: model.calibration,
    judgeCalibration: judge.calibration,
  };
  await writeFile(path.join(outDir, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
  return {
    generated: true,
    calibration: model.calibration,
    judgeCalibration: judge.calibration,
    ms: performance.now() - t0,
  };
}

/**
 * Runs `fn` while holding `<outDir>/.lock` (an exclusive mkdir), so that concurrent callers (two
 * vitest projects' global setups, a CLI run beside a test run) never replace files under each
 * other. A lock older than two minutes is taken to be left over from a killed process.
 */
async function withLock<T>(outDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(outDir, LOCK_DIR);
  await mkdir(outDir, { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 120_000) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Generates the fixtures unless `outDir` already holds an intact, up-to-date set. */
export async function ensureFixtures(outDir = '.fixtures', { force = false } = {}): Promise<GenerateResult> {
  return withLock(outDir, async () => {
    const t0 = performance.now();
    const stamp = await readStamp(outDir);
    if (
      !force &&
      stamp &&
      stamp.version === GENERATOR_VERSION &&
      stamp.inputsHash === (await inputsHash()) &&
      stamp.filesHash === (await hashTree(outDir))
    ) {
      return {
        generated: false,
        calibration: stamp.calibration,
        ...(stamp.judgeCalibration ? { judgeCalibration: stamp.judgeCalibration } : {}),
        ms: performance.now() - t0,
      };
    }
    return generateFixtures(outDir);
  });
}

async function main(argv: string[]): Promise<void> {
  let out = '.fixtures';
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i] ?? out;
    else if (argv[i] === '--force') force = true;
    else throw new Error(`unknown argument ${argv[i]} (usage: make-fixtures [--out <dir>] [--force])`);
  }
  const result = await ensureFixtures(out, { force });
  const c = result.calibration;
  const j = result.judgeCalibration;
  console.log(
    `${result.generated ? 'generated' : 'up to date'}: ${path.resolve(out)} in ${Math.round(result.ms)} ms ` +
      `(calibration: ${c.prompts} prompts, A share ${c.shareA.toFixed(2)}, ` +
      `pairs differing ${c.pairsDiffering.toFixed(2)}, logit diff std ${c.diffStd.toFixed(2)})` +
      (j
        ? `; judge: ${j.prompts} held-out prompts, parsed ${j.parsed.toFixed(2)}, ` +
          `answers A ${j.answers.A} / B ${j.answers.B} / invalid ${j.answers.invalid}`
        : ''),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
