// The question set in use: the bundled official MediConfusion dataset or a user's own file, plus
// the user datasets saved in IndexedDB. A dataset is replaced only by one that parsed completely,
// so a malformed file leaves the current dataset in place and explains itself in `error`.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { parseDataset, parseDatasetJson } from '../core/dataset.ts';
import { DatasetError, OFFICIAL_CATEGORY_COUNTS } from '../core/datasetFields.ts';
import type { Dataset } from '../core/types.ts';
import {
  deleteDataset,
  getDataset,
  listDatasets,
  putDataset,
  sharedDb,
  type BenchmarkDb,
} from '../db/database.ts';

/** Relative to the page, so the app works from any sub-path (vite serves public/ at the root). */
export const OFFICIAL_DATASET_PATH = 'data/mediconfusion/dataset.json';
export const OFFICIAL_DATASET_NAME = 'MediConfusion';

/** Larger files are almost certainly not a pair list; reading them would only freeze the tab. */
export const MAX_DATASET_FILE_BYTES = 50 * 1024 * 1024;

export type DatasetStatus = 'idle' | 'loading' | 'ready' | 'error';
export type DatasetSource = 'official' | 'user';

export interface SavedDatasetSummary {
  hash: string;
  name: string;
  format: 'json' | 'csv';
  addedAt: number;
}

export interface DatasetState {
  dataset: Dataset | null;
  /** 'loading' while a dataset is being fetched or parsed; the previous one stays usable meanwhile. */
  status: DatasetStatus;
  /** Why the last load failed (names pair id and field for malformed files); null when fine. */
  error: string | null;
  /** Non-fatal news, e.g. a dataset that loaded but could not be saved for next time. */
  notice: string | null;
  source: DatasetSource;
  /** The user's file name when source is 'user'. */
  fileName: string | null;
  /** User datasets saved in IndexedDB, newest first. */
  saved: SavedDatasetSummary[];

  /** Fetches and parses the bundled dataset (once; later calls reuse it). */
  loadOfficial(): Promise<void>;
  /** Parses a JSON or CSV file; on success it becomes the dataset and is saved for next time. */
  importDatasetFile(file: File): Promise<void>;
  /** Switches back to the official dataset. */
  useOfficialDataset(): Promise<void>;
  loadSavedDataset(hash: string): Promise<void>;
  deleteSavedDataset(hash: string): Promise<void>;
  refreshSaved(): Promise<void>;
  dismissError(): void;
}

export interface DatasetStoreDeps {
  fetch: (url: string) => Promise<Response>;
  /** The page's base URL (document.baseURI in the browser). */
  baseUrl: () => string;
  db: () => Promise<BenchmarkDb>;
}

export type DatasetStore = StoreApi<DatasetState>;

const browserDeps: DatasetStoreDeps = {
  fetch: (url) => fetch(url),
  baseUrl: () => document.baseURI,
  db: sharedDb,
};

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The format parseDataset will pick: by extension, else by the first non-space character. */
export function detectDatasetFormat(text: string, fileName: string): 'json' | 'csv' {
  const ext = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'json' || ext === 'csv') return ext;
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '{' || first === '[' ? 'json' : 'csv';
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} kB`;
}

async function fetchText(deps: DatasetStoreDeps, path: string): Promise<string> {
  const url = new URL(path, deps.baseUrl()).href;
  let response: Response;
  try {
    response = await deps.fetch(url);
  } catch (e) {
    throw new Error(`Could not fetch ${path}: ${message(e)}`);
  }
  if (!response.ok) throw new Error(`Could not fetch ${path}: HTTP ${response.status}`);
  return response.text();
}

/** Fetches dataset.json and parses it with the official category counts (statistics.json, bundled). */
async function fetchOfficial(deps: DatasetStoreDeps): Promise<Dataset> {
  const datasetText = await fetchText(deps, OFFICIAL_DATASET_PATH);
  try {
    return parseDatasetJson(datasetText, {
      name: OFFICIAL_DATASET_NAME,
      categoryCounts: { ...OFFICIAL_CATEGORY_COUNTS },
    });
  } catch (e) {
    throw new Error(`The bundled ${OFFICIAL_DATASET_PATH} is invalid: ${message(e)}`);
  }
}

export function createDatasetStore(overrides: Partial<DatasetStoreDeps> = {}): DatasetStore {
  const deps: DatasetStoreDeps = { ...browserDeps, ...overrides };
  let official: Dataset | null = null;
  let officialLoad: Promise<Dataset> | null = null;
  // Each load takes a ticket; only the latest may replace the dataset, so a slow fetch finishing
  // after a newer choice cannot undo it.
  let latest = 0;

  return createStore<DatasetState>()((set, get) => {
    /** Marks a load as started and returns a function telling whether it is still the latest. */
    function begin(): () => boolean {
      const ticket = ++latest;
      set({ status: 'loading' });
      return () => ticket === latest;
    }

    /** A failed load: the current dataset (if any) stays. */
    function fail(isLatest: () => boolean, error: string): void {
      if (!isLatest()) return;
      set({ status: get().dataset ? 'ready' : 'error', error, notice: null });
    }

    async function save(dataset: Dataset, text: string, format: 'json' | 'csv'): Promise<void> {
      try {
        await putDataset(await deps.db(), { hash: dataset.hash, name: dataset.name, text, format });
      } catch (e) {
        set({ notice: `Loaded "${dataset.name}", but it could not be saved for next time: ${message(e)}` });
        return;
      }
      await get().refreshSaved();
    }

    return {
      dataset: null,
      status: 'idle',
      error: null,
      notice: null,
      source: 'official',
      fileName: null,
      saved: [],

      async loadOfficial() {
        const isLatest = begin();
        try {
          officialLoad ??= fetchOfficial(deps).catch((e: unknown) => {
            officialLoad = null; // allow a retry
            throw e;
          });
          official = await officialLoad;
        } catch (e) {
          fail(isLatest, message(e));
          return;
        }
        if (!isLatest()) return;
        set({
          dataset: official,
          source: 'official',
          fileName: null,
          status: 'ready',
          error: null,
          notice: null,
        });
      },

      async importDatasetFile(file) {
        const isLatest = begin();
        if (file.size > MAX_DATASET_FILE_BYTES) {
          fail(
            isLatest,
            `${file.name} is too large (${formatBytes(file.size)}); a dataset file can be at most ` +
              `${formatBytes(MAX_DATASET_FILE_BYTES)}.`,
          );
          return;
        }
        let text: string;
        let dataset: Dataset;
        try {
          text = await file.text();
        } catch (e) {
          fail(isLatest, `Could not read ${file.name}: ${message(e)}`);
          return;
        }
        try {
          dataset = parseDataset(text, file.name);
        } catch (e) {
          // DatasetError messages already name the pair id and field at fault.
          const why = e instanceof DatasetError ? e.message : `unexpected error: ${message(e)}`;
          fail(isLatest, `${file.name} was not loaded: ${why}`);
          return;
        }
        if (!isLatest()) return;
        set({ dataset, source: 'user', fileName: file.name, status: 'ready', error: null, notice: null });
        await save(dataset, text, detectDatasetFormat(text, file.name));
      },

      async useOfficialDataset() {
        if (official) {
          ++latest; // supersedes any load in flight
          set({
            dataset: official,
            source: 'official',
            fileName: null,
            status: 'ready',
            error: null,
            notice: null,
          });
          return;
        }
        await get().loadOfficial();
      },

      async loadSavedDataset(hash) {
        const isLatest = begin();
        let dataset: Dataset;
        let fileName: string;
        try {
          const record = await getDataset(await deps.db(), hash);
          if (!record) throw new Error('it is no longer in browser storage');
          fileName = `${record.name}.${record.format}`;
          dataset = parseDataset(record.text, fileName);
        } catch (e) {
          fail(isLatest, `Saved dataset was not loaded: ${message(e)}`);
          return;
        }
        if (!isLatest()) return;
        set({ dataset, source: 'user', fileName, status: 'ready', error: null, notice: null });
      },

      async deleteSavedDataset(hash) {
        try {
          await deleteDataset(await deps.db(), hash);
        } catch (e) {
          set({ error: `Could not delete the saved dataset: ${message(e)}` });
        }
        await get().refreshSaved();
      },

      async refreshSaved() {
        try {
          const records = await listDatasets(await deps.db());
          set({ saved: records.map(({ hash, name, format, addedAt }) => ({ hash, name, format, addedAt })) });
        } catch {
          // No IndexedDB (e.g. some private windows): the app still works, just without saved datasets.
          set({ saved: [] });
        }
      },

      dismissError() {
        set({ error: null, notice: null });
      },
    };
  });
}

/** The app's dataset store. */
export const datasetStore: DatasetStore = createDatasetStore();

/** React binding: `useDatasetStore((s) => s.dataset)`. */
export function useDatasetStore<T>(selector: (state: DatasetState) => T): T {
  return useStore(datasetStore, selector);
}
