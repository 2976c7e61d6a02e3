// The Results store's shape: the runs it lists (with how complete and comparable each is), the
// numbers computed for them (with the model's image similarity where kept), what the tab shows, and
// its actions.
import type { BlindBaseline } from '../core/blind.ts';
import type { RunRecord } from '../core/run/records.ts';
import type { Method } from '../core/types.ts';
import type { ExportKind } from '../core/results/exportFiles.ts';
import type { ImportMethodChoice } from '../core/results/importFiles.ts';
import type { RunModelSimilarity } from '../core/results/modelSimilarity.ts';
import type { RunResults } from '../core/results/runResults.ts';
import type { CategoryMetric } from '../core/results/tableRows.ts';

export interface RunSummary {
  run: RunRecord;
  /** Cases stored for the run. */
  caseCount: number;
  /** True when the run answers the loaded dataset, so its numbers can sit beside the others. */
  comparable: boolean;
  /** Cases of a complete run on the loaded dataset; null when not comparable. */
  expectedCases: number | null;
}

export type ResultsStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface ResultsProblem {
  title: string;
  /** Precise and already user-facing (names the file, record or row at fault). */
  message: string;
}

export interface ExportedFile {
  blob: Blob;
  fileName: string;
}

export interface ResultsState {
  runs: RunSummary[];
  /** Runs shown side by side in the tables and charts, in list order. */
  selectedRunIds: string[];
  /** Metrics of comparable runs computed so far (selected runs and the run whose card is shown). */
  metricsByRun: Record<string, RunResults>;
  /**
   * The model's own image similarity against each method, for the run whose card is shown, when it
   * kept its image embeddings (absent otherwise).
   */
  similarityByRun: Record<string, RunModelSimilarity>;
  /** Blind-baseline rows (GD/PS with a blank image) of selected runs that have a blank-image sibling. */
  blindByRun: Record<string, BlindBaseline[]>;
  status: ResultsStatus;
  error: ResultsProblem | null;
  notice: string | null;
  /** Hash of the dataset the list was last checked against; null when none is loaded. */
  datasetHash: string | null;
  /** The run whose card and export buttons are shown. */
  detailRunId: string | null;
  /** The run whose Delete button asks for confirmation. */
  confirmDeleteId: string | null;
  importing: boolean;
  /** Method of an official answers file: from its name ('auto') or as chosen. */
  importMethod: ImportMethodChoice;
  categoryMetric: CategoryMetric;
  /** Table 2's method per run: the best by set accuracy (as the paper) or a fixed one. */
  categoryMethod: 'best' | Method;

  refresh(): Promise<void>;
  select(id: string): Promise<void>;
  deselect(id: string): void;
  showDetails(id: string): Promise<void>;
  requestDelete(id: string): void;
  cancelDelete(): void;
  deleteRun(id: string): Promise<void>;
  /** Gives a run the user's short name ('' goes back to the default name). */
  renameRun(id: string, name: string): Promise<void>;
  /** The file for a download, or null (with `error` set) when it cannot be made. */
  exportRun(id: string, kind: ExportKind): Promise<ExportedFile | null>;
  copyRunCard(id: string): Promise<void>;
  importFile(file: File): Promise<void>;
  setImportMethod(method: ImportMethodChoice): void;
  setCategoryMetric(metric: CategoryMetric): void;
  setCategoryMethod(method: 'best' | Method): void;
  dismissError(): void;
  dismissNotice(): void;
}
