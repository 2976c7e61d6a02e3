// One tab at a time per run and progress shared with the others: the Web Locks name a running
// tab holds, and the progress message it posts on a BroadcastChannel for other tabs to show.
import type { ImageSlot } from '../core/types.ts';

export const LOCK_PREFIX = 'mediconfusion-run:';
export const PROGRESS_CHANNEL = 'mediconfusion-progress';

export type RunPhase =
  | 'idle'
  | 'starting'
  | 'running'
  | 'pausing'
  | 'cancelling'
  | 'paused'
  | 'complete'
  | 'cancelled'
  | 'failed'
  | 'locked';

export const ACTIVE_PHASES: readonly RunPhase[] = ['starting', 'running', 'pausing', 'cancelling'];

/** What a running tab tells the others on PROGRESS_CHANNEL. */
export interface BroadcastProgress {
  type: 'progress';
  runId: string;
  label: string;
  status: RunPhase;
  done: number;
  total: number;
  etaSeconds: number | null;
  current: { pairId: string; slot: ImageSlot } | null;
  at: number;
}

/** The part of navigator.locks the store uses (absent in Node and very old browsers). */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>;
  query?(): Promise<{ held?: { name?: string }[] }>;
}

export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * The progress channel between tabs: opened on the first start (an open channel keeps a Node
 * process alive), it posts this tab's progress and keeps the latest message of every other run.
 */
export class ProgressChannel {
  private channel: ChannelLike | null | undefined;
  private readonly remote = new Map<string, BroadcastProgress>();

  constructor(
    private readonly create: () => ChannelLike | null,
    private readonly now: () => number,
    private readonly onRemote: (runId: string, progress: BroadcastProgress) => void,
  ) {}

  open(): void {
    if (this.channel !== undefined) return;
    this.channel = this.create();
    this.channel?.addEventListener('message', (event) => {
      const data = event.data as Partial<BroadcastProgress> | null;
      if (!data || data.type !== 'progress' || typeof data.runId !== 'string') return;
      this.remote.set(data.runId, data as BroadcastProgress);
      this.onRemote(data.runId, data as BroadcastProgress);
    });
  }

  /** The latest progress another tab posted for a run. */
  latest(runId: string): BroadcastProgress | null {
    return this.remote.get(runId) ?? null;
  }

  post(
    run: { id: string; label: string },
    status: RunPhase,
    p: {
      done: number;
      total: number;
      etaSeconds: number | null;
      current: BroadcastProgress['current'];
    } | null,
  ): void {
    const message: BroadcastProgress = {
      type: 'progress',
      runId: run.id,
      label: run.label,
      status,
      done: p?.done ?? 0,
      total: p?.total ?? 0,
      etaSeconds: p?.etaSeconds ?? null,
      current: p?.current ?? null,
      at: this.now(),
    };
    try {
      this.channel?.postMessage(message);
    } catch {
      // A closed channel (page unloading) only loses a progress note.
    }
  }
}
