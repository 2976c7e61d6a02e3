// The benchmark's table of choices a user can make: the same plan run by this engine (cached) at
// every dtype the model folder offers and with "single view" preprocessing, in headless Chromium
// (wasm); per choice the wall time, crops encoded, vision-encoder and decoder calls, and the share
// of answers identical to the fp32 run with the model's own preprocessing (the first choice).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { folderDtypes } from '../../src/core/modelFiles.ts';
import type { ImageGroup } from '../../src/core/run/plan.ts';
import type { PreprocessingChoice } from '../../src/core/run/preprocessing.ts';
import type { Dtype, WorkCounters } from '../../src/core/run/vocabulary.ts';
import type { CaseRecord, ConfusionPair } from '../../src/core/types.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { startDevServer } from '../../test/support/devServer.ts';

export interface ChoiceRow {
  choice: string;
  dtype: Dtype;
  preprocessing: PreprocessingChoice;
  wallS: number;
  cases: number;
  cropsEncoded: number;
  visionEncoderCalls: number;
  decoderCalls: number;
  /** Share of cases whose answer equals the first choice's (fp32, the model's preprocessing). */
  identicalToFp32Default: number;
}

const keyOf = (r: CaseRecord) => `${r.pairId}/${r.slot}/${r.method}`;

export async function benchChoices(opts: {
  modelDir: string;
  modelUrl: string;
  imagesUrl: string;
  chosen: ConfusionPair[];
  groups: ImageGroup[];
  log(line: string): void;
}): Promise<ChoiceRow[]> {
  const dtypes = folderDtypes((await readdir(path.join(opts.modelDir, 'onnx'))).map((f) => `onnx/${f}`));
  const choices: { dtype: Dtype; preprocessing: PreprocessingChoice }[] = [
    ...dtypes.map((dtype) => ({ dtype, preprocessing: 'default' as const })),
    { dtype: 'fp32', preprocessing: 'single-view' },
  ];
  const { server, url } = await startDevServer();
  const browser = await launchChromium({ webgpu: false });
  const rows: ChoiceRow[] = [];
  try {
    const page = await browser.context.newPage();
    await page.goto(`${url}/test/e2e/harness/index.html`);
    await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 120_000 });
    let reference: Map<string, CaseRecord['answer']> | null = null;
    for (const { dtype, preprocessing } of choices) {
      const res = (await page.evaluate((req) => window.runEngine(req as never), {
        load: { source: { kind: 'path', path: opts.modelUrl }, device: 'wasm', dtype, fallbackToWasm: false },
        run: {
          pairs: opts.chosen,
          plan: opts.groups,
          mode: 'cached',
          preprocessing,
          images: { kind: 'url', baseUrl: opts.imagesUrl },
        },
      })) as {
        ok: boolean;
        message?: string;
        records: CaseRecord[];
        summary: { elapsedMs: number; counters: WorkCounters };
      };
      const choice = `${dtype}${preprocessing === 'single-view' ? ', single view' : ''}`;
      if (!res.ok) throw new Error(`choice ${choice}: ${res.message}`);
      const answers = new Map(res.records.map((r) => [keyOf(r), r.answer]));
      const ref = (reference ??= answers);
      let same = 0;
      for (const [k, a] of answers) if (ref.get(k) === a) same++;
      const c = res.summary.counters;
      rows.push({
        choice,
        dtype,
        preprocessing,
        wallS: Number((res.summary.elapsedMs / 1000).toFixed(2)),
        cases: answers.size,
        cropsEncoded: c.cropsEncoded,
        visionEncoderCalls: c.visionEncoderRuns,
        decoderCalls: c.decoderCalls,
        identicalToFp32Default: Number((same / Math.max(1, ref.size)).toFixed(3)),
      });
      opts.log(`choice ${choice}: ${rows.at(-1)!.wallS} s, identical ${rows.at(-1)!.identicalToFp32Default}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return rows;
}
