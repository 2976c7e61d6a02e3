// Run tab, section 3's notices: a run another tab is running (with its progress), and the runs a
// closed tab left unfinished (how far each got, Resume).
import { runName } from '../../core/run/runName.ts';
import { useRunStore, type RunPhase } from '../../state/runStore.ts';
import { formatDuration } from './format.ts';
import { ProgressBar } from './ProgressBar.tsx';

export const PHASE_TEXT: Record<RunPhase, string> = {
  idle: 'Not started',
  starting: 'Starting…',
  running: 'Running',
  pausing: 'Pausing after the current step…',
  cancelling: 'Cancelling after the current step…',
  paused: 'Paused',
  complete: 'Complete',
  cancelled: 'Cancelled',
  failed: 'Stopped by an error',
  locked: 'Running in another tab',
};

export function LockedNotice() {
  const locked = useRunStore((s) => s.lockedElsewhere);
  const dismiss = useRunStore((s) => s.dismissError);
  if (locked === null) return null;
  const p = locked.progress;
  return (
    <div className="notice run-locked" role="status" data-testid="run-locked-notice">
      <p>
        <strong>This evaluation is already running in another tab.</strong> Only one tab can run it at a time;
        the results appear here as they are saved.
      </p>
      {p ? (
        <>
          <ProgressBar
            value={p.done}
            max={Math.max(p.total, 1)}
            label="Progress in the other tab"
            valueText={`${p.done} of ${p.total} cases`}
          />
          <p className="run-stats">
            Other tab: {PHASE_TEXT[p.status]} · {p.done}/{p.total} · ETA {formatDuration(p.etaSeconds)}
            {p.current ? ` · pair ${p.current.pairId}, image ${p.current.slot}` : ''}
          </p>
        </>
      ) : (
        <p className="muted">Waiting for the other tab to report progress…</p>
      )}
      <button type="button" className="button button-secondary button-small" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

export function InterruptedNotice({ showResumeId }: { showResumeId: boolean }) {
  const interrupted = useRunStore((s) => s.interrupted);
  const progress = useRunStore((s) => s.interruptedProgress);
  const resumeInterrupted = useRunStore((s) => s.resumeInterrupted);
  if (interrupted.length === 0) return null;
  return (
    <div className="notice run-interrupted" role="status" data-testid="run-interrupted-notice">
      <p>
        <strong>
          {interrupted.length === 1 ? 'A run was interrupted' : `${interrupted.length} runs were interrupted`}
        </strong>{' '}
        (its tab closed while it ran). Finished cases are saved; resuming computes only the rest. The form
        below shows the settings it was started with.
      </p>
      <ul>
        {interrupted.map((run, i) => (
          <li key={run.id}>
            <span>
              {runName(run)}
              {progress[run.id] && ` · ${progress[run.id]!.done} of ${progress[run.id]!.total} cases done`} ·
              last saved {new Date(run.updatedAt).toLocaleString()}
            </span>{' '}
            <button
              type="button"
              className="button button-small"
              data-testid={showResumeId && i === 0 ? 'run-resume' : undefined}
              onClick={() => void resumeInterrupted(run.id)}
            >
              Resume
            </button>
          </li>
        ))}
      </ul>
      {interrupted.some((r) => r.model.sourceKind !== 'hub') && (
        <p className="muted">A run on a local folder needs that folder picked and loaded again first.</p>
      )}
    </div>
  );
}
