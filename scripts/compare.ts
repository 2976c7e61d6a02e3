// Comparing two runs on the command line: the Results tab's "Compare two runs" for two files
// written by `npm run eval` (or exported bundles).
//   npm run compare -- <a.json> <b.json> [--out <file>] [--dataset <file>]
// Prints, per method, the flipped answers, the agreement with its 95 % Wilson interval and set
// accuracy A → B with the exact McNemar test, and writes the same as JSON. Runs that differ in
// anything but a scoring setting (dtype, device, scoring mode…) are refused with the reasons.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDataset } from '../src/core/dataset.ts';
import { comparisonText } from '../src/core/results/comparisonTable.ts';
import { parseResultsFile } from '../src/core/results/importFiles.ts';
import { compareRuns, comparisonJson, type ComparedRun } from '../src/core/results/runComparison.ts';
import type { Dataset } from '../src/core/types.ts';

const USAGE = `Usage: npm run compare -- <a.json> <b.json> [options]
  <a.json> <b.json>   results of npm run eval (or bundles exported from the app); A is the reference
  --out <file>        comparison JSON (default: compare_<a>_vs_<b>.json beside b)
  --dataset <file>    dataset JSON/CSV the runs answer (default: the bundled MediConfusion)`;

async function readRun(file: string, dataset: Dataset): Promise<ComparedRun> {
  const { run, records } = parseResultsFile(await readFile(file, 'utf8'), path.basename(file), dataset);
  return { run, cases: records };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      dataset: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 2) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const [fileA, fileB] = positionals as [string, string];
  const datasetFile = values.dataset ?? 'public/data/mediconfusion/dataset.json';
  const dataset = parseDataset(await readFile(datasetFile, 'utf8'), path.basename(datasetFile));
  const comparison = compareRuns(await readRun(fileA, dataset), await readRun(fileB, dataset), dataset);
  if (!comparison.comparable) {
    console.error(
      `These two runs cannot be compared:\n${comparison.reasons.map((r) => `  - ${r}`).join('\n')}`,
    );
    process.exit(1);
  }
  const stem = (f: string) => path.basename(f).replace(/\.json$/i, '');
  const out = values.out ?? path.join(path.dirname(fileB), `compare_${stem(fileA)}_vs_${stem(fileB)}.json`);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, JSON.stringify(comparisonJson(comparison, dataset), null, 1));
  console.log(comparisonText(comparison));
  console.log(`\n→ ${out}`);
}

main().catch((e: unknown) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
