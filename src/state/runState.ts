// The run store's shape: its state and actions (RunState) and what it depends on (RunStoreDeps),
// so the store (runStore.ts) and its recovery actions (runRecovery.ts) share one definition.
import type { PreprocessingChoice } from '../core/run/preprocessing.ts';
import type { LetterRule } from '../core/run/letterRules.ts';
import type { RunRecord } from '../core/run/records.ts';
import type { PairSelection } from '../core/run/selection.ts';
import type { Dataset, ImageSlot, Method } from '../core/types.ts';
import type { BenchmarkDb } from '../db/database.ts';
import type { ImageProblem } from '../../workers/engine/protocol.ts';
import type { EngineClient, ReadableError } from './engineClient.ts';
import type { JudgeStore } from './judgeStore.ts';
import type { ModelStore } from './modelStore.ts';
import type { BroadcastProgress, ChannelLike, LockManagerLike, RunPhase } from './runTabs.ts';

export type RunnableMethod = Method;

export interface RunProgressView {
  done: number;
  total: number;
  /** Epoch ms when this session of the run started (elapsed counts this session only). */
  startedAt: number;
  elapsedMs: number;
  casesPerSecond: number | null;
  etaSeconds: number | null;
  current: { pairId: string; slot: ImageSlot } | null;
}

/** The plan for the configuration now chosen, shown before a start (how much is already stored). */
export interface PlanPreview {
  runId: string;
  total: number;
  alreadyDone: number;
  notRunPairs: number;
  status: RunRecord['status'] | null;
  /** Why this run cannot start (nothing to compute), or null. */
  blocked: string | null;
  /** The pairs chosen, in words ("first 10 pairs"), and listed ids that name no pair. */
  selection: string;
  unknownIds: string[];
}

export interface RunState {
  methods: Record<RunnableMethod, boolean>;
  /** Which pairs to run: all, the first N, a category or listed ids (not part of the run id). */
  selection: PairSelection;
  /** Also run GD/PS with a blank image (the blind baseline), as a sibling run, before the main run. */
  blind: boolean;
  /** 'single-view': image splitting off (a speed setting; a run of its own, never mixed with the default's). */
  preprocessing: PreprocessingChoice;
  /** Which tokens GD reads as the letters (core/run/letterRules); part of the run's identity. */
  letterRule: LetterRule;
  phase: RunPhase;
  runId: string | null;
  run: RunRecord | null;
  progress: RunProgressView | null;
  notRunPairs: { pairId: string; missing: string[] }[];
  imageProblems: ImageProblem[];
  error: ReadableError | null;
  /** After a lost GPU on a WebGPU run: offer the same evaluation on wasm. */
  canRetryOnWasm: boolean;
  /** Set when another tab holds this run's lock; progress as that tab last reported it. */
  lockedElsewhere: { runId: string; progress: BroadcastProgress | null } | null;
  /** Runs a closed or crashed tab left in status 'running'. */
  interrupted: RunRecord[];
  /** How far each interrupted run got: cases stored of those it set out to compute. */
  interruptedProgress: Record<string, { done: number; total: number }>;
  preview: PlanPreview | null;

  setMethod(method: RunnableMethod, on: boolean): void;
  setBlind(on: boolean): void;
  setPreprocessing(choice: PreprocessingChoice): void;
  setLetterRule(rule: LetterRule): void;
  setSelection(selection: PairSelection): void;
  start(): Promise<void>;
  pause(): Promise<void>;
  /** Same as start: stored cases are skipped, so it continues where the run stopped. */
  resume(): Promise<void>;
  cancel(): Promise<void>;
  retryOnWasm(): Promise<void>;
  resumeIfInterrupted(): Promise<void>;
  resumeInterrupted(runId: string): Promise<void>;
  refreshPreview(): Promise<void>;
  dismissError(): void;
}

export interface RunStoreDeps {
  db: () => Promise<BenchmarkDb>;
  dbName: string;
  engine: EngineClient;
  models: ModelStore;
  judge: JudgeStore;
  dataset: () => Dataset | null;
  locks: () => LockManagerLike | undefined;
  channel: () => ChannelLike | null;
  requestPersistence: () => Promise<boolean>;
  /** Called after images or results changed, so other views can refresh. */
  onStored: () => void;
  now: () => number;
}
