// The Explorer store's shape: the runs and cases it holds, what its URL says, and its actions.
import type { LetterRule } from '../core/run/letterRules.ts';
import type { ImageEmbedding, RunStatus } from '../core/run/records.ts';
import type { Method } from '../core/types.ts';
import type { ExplorerFilter, RunCaseIndex } from '../core/results/explorerModel.ts';
import type { ExplorerUrlState, ExplorerViewName, SortKey } from '../core/results/explorerUrl.ts';

/** What the Explorer needs to know about a stored run. */
export interface ExplorerRun {
  id: string;
  label: string;
  modelId: string;
  /** Methods the run declares (its cases may add more). */
  methods: string[];
  status: RunStatus;
  createdAt: number;
  datasetHash: string;
  imported: boolean;
  /** For a blind-baseline run (blank image): the id of the run it is the sibling of. */
  blindOf: string | null;
  /** Which tokens the run's GD read as the letters ("unknown" for an import that does not say). */
  letterRule: LetterRule | 'unknown';
}

export interface RunCases {
  status: 'loading' | 'ready' | 'error';
  index: RunCaseIndex;
  /** The model's own embedding of each image the run encoded, by local id (empty: none kept). */
  embeddings: ReadonlyMap<string, ImageEmbedding>;
  error: string | null;
}

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface ExplorerState {
  url: ExplorerUrlState;
  runs: ExplorerRun[];
  runsStatus: LoadStatus;
  /** Cases of the runs looked at, by run id. */
  runCases: Readonly<Record<string, RunCases>>;
  /** Local ids of the images stored in this browser. */
  imageIds: ReadonlySet<string>;
  imagesStatus: LoadStatus;
  /** Object URLs of decoded images near the current pair, by local id. */
  imageUrls: Readonly<Record<string, string>>;
  /** Images whose stored file could not be decoded. */
  brokenImages: ReadonlySet<string>;
  /** True while the page is full screen. */
  fullscreen: boolean;
  error: string | null;

  /** Follows the address bar (hashchange, popstate) and the fullscreen state; returns a disconnect. */
  connect(): () => void;
  /** Re-reads runs, stored images and the cases of the runs shown. */
  refresh(): Promise<void>;
  /** Takes the state a `#explorer?…` hash describes (a Back press, an edited link). */
  applyHash(hash: string): void;
  openPair(pairId: string): void;
  setRun(runId: string | null): void;
  setCompare(runId: string | null): void;
  setMethod(method: Method): void;
  setFilter(patch: Partial<ExplorerFilter>): void;
  clearFilters(): void;
  setView(view: ExplorerViewName): void;
  /** Sorts the sensitivity list by `key`; the same key again reverses the order. */
  setSort(key: SortKey): void;
  /** Presentation mode; entering asks for full screen (allowed only from a user gesture). */
  setPresent(on: boolean): void;
  requestFullscreen(): void;
  /**
   * Decodes `prefetch` (in priority order) ahead of display and revokes every image URL in neither
   * `prefetch` nor `keep`.
   */
  prepareImages(prefetch: readonly string[], keep: readonly string[]): Promise<void>;
  /** Revokes every image URL (the view is gone). */
  releaseImages(): void;
  dismissError(): void;
}
