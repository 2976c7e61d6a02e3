// The app's IndexedDB as a browser test reads it: through IndexedDB itself, in the page, so a test
// sees exactly what the app stored (never a copy the app keeps in memory).
import type { Page } from 'playwright-core';

/** Every stored case and run record of the app's database. */
export function storedRecords<C, R>(page: Page): Promise<{ cases: C[]; runs: R[] }> {
  return page.evaluate(
    () =>
      new Promise<{ cases: C[]; runs: R[] }>((resolve, reject) => {
        const open = indexedDB.open('mediconfusion');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['cases', 'runs']);
          const cases = tx.objectStore('cases').getAll();
          const runs = tx.objectStore('runs').getAll();
          tx.oncomplete = () => {
            resolve({ cases: cases.result as C[], runs: runs.result as R[] });
            db.close();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

/** The stored status of one run ('running', 'complete', …), or null when it has no record. */
export async function storedRunStatus(page: Page, runId: string): Promise<string | null> {
  const { runs } = await storedRecords<unknown, { id: string; status?: string }>(page);
  return runs.find((r) => r.id === runId)?.status ?? null;
}

/**
 * Every stored image embedding (the model's own view of each image), vectors as plain arrays, of
 * the app's database or another one `dbName` names.
 */
export function storedImageEmbeddings(
  page: Page,
  dbName = 'mediconfusion',
): Promise<
  { runId: string; localId: string; mean: number[]; globalMean: number[] | null; vectors: number }[]
> {
  return page.evaluate(
    (name) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('imageEmbeddings')) {
            db.close();
            resolve([]);
            return;
          }
          const all = db.transaction('imageEmbeddings').objectStore('imageEmbeddings').getAll();
          all.onsuccess = () => {
            type Stored = {
              runId: string;
              localId: string;
              mean: Float32Array;
              globalMean: Float32Array | null;
              vectors: number;
            };
            resolve(
              (all.result as Stored[]).map((e) => ({
                runId: e.runId,
                localId: e.localId,
                mean: Array.from(e.mean),
                globalMean: e.globalMean ? Array.from(e.globalMean) : null,
                vectors: e.vectors,
              })),
            );
            db.close();
          };
          all.onerror = () => reject(all.error);
        };
      }),
    dbName,
  );
}
