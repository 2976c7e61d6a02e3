// The model's own image similarity after a real run in the app (issue 20), in headless Chromium on
// the built app: the generated model scores GD and PS on six pairs in the inference worker, each
// image's embedding is stored with the run in the browser's IndexedDB (none for the blind
// baseline's blank image), and the Explorer shows for a pair the
// cosine of its two stored embeddings beside BiomedCLIP and DINOv2, and the chart of the model's
// similarity against answered alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedImageEmbeddings } from '../support/appDb.ts';
import { directCosine } from '../support/encoderOutput.ts';
import { officialDataset } from '../support/fixtures.ts';
import {
  chooseMethods,
  freshPage,
  imagesForPairs,
  importImages,
  loadModel,
  shot,
  startApp,
  stored,
  waitForRunEnd,
  type App,
} from '../support/firstHour.ts';

let app: App;

beforeAll(async () => {
  app = await startApp();
}, 300_000);

afterAll(async () => {
  await app?.close();
});

describe("the model's own image similarity after a run", () => {
  it('is stored per image from the run’s encode and shown for a pair in the Explorer', async () => {
    const { browser, page } = await freshPage();
    try {
      await page.goto(app.runUrl);
      await loadModel(page);
      const { pairIds, files } = imagesForPairs(6);
      await importImages(page, files);
      await chooseMethods(page, ['GD', 'PS'], true);
      await page.getByTestId('run-start').click();
      await waitForRunEnd(page);

      const { runs } = await stored(page);
      const main = runs.find((r) => r.imageCondition !== 'blank' && r.methods.includes('PS'))!;
      const blank = runs.find((r) => r.imageCondition === 'blank')!;
      expect(blank).toBeDefined();
      const embeddings = await storedImageEmbeddings(page);
      const ofMain = new Map(embeddings.filter((e) => e.runId === main.id).map((e) => [e.localId, e]));
      expect(ofMain.size).toBe(files.length);
      expect(embeddings.filter((e) => e.runId === blank.id)).toEqual([]);
      // The cached way ran: each image's embedding came from its one encode.
      const scoring = main.runCard.scoring as { modeUsed: string };
      expect(scoring.modeUsed).toBe('cached');

      const pairs = officialDataset().pairs.filter((p) => pairIds.includes(p.id));
      const pair = pairs[0]!;
      const expected = directCosine(ofMain.get(pair.im1Local)!.mean, ofMain.get(pair.im2Local)!.mean);

      await page.goto(`${app.url}/#explorer?run=${main.id}&pair=${pair.id}&method=PS`);
      const value = page.getByTestId('explorer-model-sim');
      await value.waitFor({ timeout: 60_000 });
      expect(await value.textContent()).toContain(expected.toFixed(3));
      await shot(page, 'model-similarity-pair');

      await page.goto(`${app.url}/#explorer?run=${main.id}&pair=${pair.id}&method=PS&view=scatter`);
      const chart = page.getByTestId('model-similarity-chart');
      await chart.waitFor({ timeout: 60_000 });
      const answers = (await stored(page)).cases.filter((c) => c.runId === main.id && c.method === 'PS');
      const validPairs = pairs.filter((p) =>
        ([1, 2] as const).every(
          (slot) => answers.find((c) => c.pairId === p.id && c.slot === slot)?.answer != null,
        ),
      );
      expect(await chart.getByTestId('model-similarity-point').count()).toBe(validPairs.length);
      await shot(page, 'model-similarity-scatter');
    } finally {
      await browser.close();
    }
  });
});
