// Run tab, section 3: methods, image preprocessing, start / pause / resume / cancel, live progress with the current pair,
// and the run's problems (lost GPU, full storage, another tab running it, an interrupted run).
import { runName } from '../../core/run/runName.ts';
import { useEffect, useState } from 'react';
import { useDatasetStore } from '../../state/datasetStore.ts';
import { useImageStore } from '../../state/imageStore.ts';
import { useModelStore } from '../../state/modelStore.ts';
import { useJudgeStore } from '../../state/judgeStore.ts';
import { JudgeSection } from './JudgeSection.tsx';
import { PairSelectionField } from './PairSelectionField.tsx';
import { PreprocessingChoice } from './PreprocessingChoice.tsx';
import { ACTIVE_PHASES, RUNNABLE_METHODS, useRunStore, type RunProgressView } from '../../state/runStore.ts';
import { formatDuration, formatPercent, formatRate } from './format.ts';
import { LetterRuleField } from './LetterRuleField.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import './runForms.css';
import { InterruptedNotice, LockedNotice, PHASE_TEXT } from './RunNotices.tsx';

const METHOD_LABELS = {
  GD: ['GD', 'greedy decoding', 'One forward pass; softmax over the logits of A and B.'],
  PS: ['PS', 'prefix score', 'Geometric mean of the probabilities of each option’s own tokens.'],
  MC: ['MC', 'multiple choice', 'Generated answer (up to 32 tokens) parsed by the official rules.'],
  FF: [
    'FF',
    'free form',
    'A free answer judged by a second model (the paper used GPT-4o; a small local judge is not comparable).',
  ],
} as const;

/** Current time, refreshed every second while `active` (for the elapsed clock). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function CurrentPair({ current }: { current: NonNullable<RunProgressView['current']> }) {
  const dataset = useDatasetStore((s) => s.dataset);
  const thumbs = useImageStore((s) => s.thumbs);
  const requestThumbs = useImageStore((s) => s.requestThumbs);
  const pair = dataset?.pairs.find((p) => p.id === current.pairId) ?? null;
  const im1 = pair?.im1Local;
  const im2 = pair?.im2Local;
  useEffect(() => {
    if (im1 !== undefined && im2 !== undefined) void requestThumbs([im1, im2]);
  }, [im1, im2, requestThumbs]);
  return (
    <div className="run-current">
      <p className="run-current-text">
        Pair <span className="run-pair-id">{current.pairId}</span>, image {current.slot}
        {pair && <span className="muted"> — {pair.question}</span>}
      </p>
      {pair && (
        <div className="run-thumbs">
          {([1, 2] as const).map((slot) => {
            const id = slot === 1 ? pair.im1Local : pair.im2Local;
            const url = thumbs[id];
            return (
              <figure
                key={slot}
                className={slot === current.slot ? 'run-thumb run-thumb-current' : 'run-thumb'}
              >
                {url ? (
                  <img src={url} alt={`Image ${slot} of pair ${pair.id}`} />
                ) : (
                  <div className="run-thumb-empty" />
                )}
                <figcaption>
                  Image {slot}
                  {slot === current.slot ? ' (now)' : ''}
                </figcaption>
              </figure>
            );
          })}
        </div>
      )}
    </div>
  );
}

export function RunSection() {
  const methods = useRunStore((s) => s.methods);
  const phase = useRunStore((s) => s.phase);
  const progress = useRunStore((s) => s.progress);
  const error = useRunStore((s) => s.error);
  const canRetryOnWasm = useRunStore((s) => s.canRetryOnWasm);
  const notRunPairs = useRunStore((s) => s.notRunPairs);
  const imageProblems = useRunStore((s) => s.imageProblems);
  const preview = useRunStore((s) => s.preview);
  const run = useRunStore((s) => s.run);
  const actions = useRunStore((s) => s);
  const model = useModelStore((s) => s.model);
  const modelLoading = useModelStore((s) => s.status === 'loading');
  const dataset = useDatasetStore((s) => s.dataset);
  const presentCount = useImageStore((s) => s.presentIds.size);
  const judgeLoaded = useJudgeStore((s) => s.judge !== null);
  const judge = useJudgeStore((s) => s.judge);
  const ffSettings = useJudgeStore((s) => `${s.maxNewTokens}/${s.threshold}`);
  const blind = useRunStore((s) => s.blind);
  const preprocessing = useRunStore((s) => s.preprocessing);
  const letterRule = useRunStore((s) => s.letterRule);

  const active = ACTIVE_PHASES.includes(phase);
  const now = useNow(phase === 'running');
  const methodCount = RUNNABLE_METHODS.filter((m) => methods[m]).length;
  const anyMethod = methodCount > 0 && (!methods.FF || judgeLoaded);
  const blocked = !active && model !== null ? (preview?.blocked ?? null) : null;
  const canStart =
    !active &&
    !modelLoading &&
    model !== null &&
    dataset !== null &&
    anyMethod &&
    preview !== null &&
    blocked === null;
  const canResume = !active && (phase === 'paused' || phase === 'failed') && model !== null;

  const refreshPreview = actions.refreshPreview;
  const selection = useRunStore((s) => s.selection);
  useEffect(() => {
    if (!active) void refreshPreview();
  }, [
    refreshPreview,
    active,
    model,
    dataset,
    methods,
    presentCount,
    phase,
    judge,
    ffSettings,
    preprocessing,
    letterRule,
    selection,
  ]);

  const elapsedMs = progress
    ? phase === 'running'
      ? Math.max(progress.elapsedMs, now - progress.startedAt)
      : progress.elapsedMs
    : 0;
  const showProgress = progress !== null && phase !== 'idle' && phase !== 'locked';

  return (
    <section className="run-card" aria-labelledby="run-run-heading">
      <h3 id="run-run-heading">3. Run</h3>
      <fieldset className="run-methods" disabled={active}>
        <legend>Methods</legend>
        {RUNNABLE_METHODS.map((m) => (
          <label key={m} className="run-method">
            <input
              type="checkbox"
              data-testid={`method-${m}`}
              checked={methods[m] && (m !== 'FF' || judgeLoaded)}
              disabled={m === 'FF' && !judgeLoaded}
              onChange={(e) => actions.setMethod(m, e.target.checked)}
            />
            <span title={METHOD_LABELS[m][2]}>
              <strong>{METHOD_LABELS[m][0]}</strong> {METHOD_LABELS[m][1]}
              {m === 'FF' && !judgeLoaded && <em> (load a judge below)</em>}
              {m === 'MC' && (
                <em className="muted" data-testid="mc-spelling-note">
                  {' '}
                  (its parser is spelling-blind: “A” and “ A” read alike)
                </em>
              )}
            </span>
          </label>
        ))}
        <LetterRuleField
          rule={letterRule}
          disabled={!methods.GD}
          onChange={(rule) => actions.setLetterRule(rule)}
        />
        <label className="run-method">
          <input
            type="checkbox"
            data-testid="method-blind"
            checked={blind}
            onChange={(e) => actions.setBlind(e.target.checked)}
          />
          <span title="Runs the chosen GD/PS questions again with a blank grey image, as a separate cached run.">
            <strong>Blind baseline</strong>: GD/PS with a blank image
          </span>
        </label>
      </fieldset>
      <PreprocessingChoice locked={active} />
      <PairSelectionField disabled={active} />
      <JudgeSection locked={active} />

      <p className="run-preview" hidden={active}>
        {model === null
          ? 'Load a model to start.'
          : preview === null
            ? ''
            : preview.alreadyDone > 0 && preview.alreadyDone < preview.total
              ? `${preview.alreadyDone} of ${preview.total} cases of this run are already saved; starting continues where it stopped.`
              : preview.total > 0 && preview.alreadyDone === preview.total
                ? `All ${preview.total} cases of this run are saved for the pairs with images.`
                : `${preview.total} cases to compute: ${preview.total / 2 / methodCount} pairs × 2 images × ${methodCount} ${methodCount === 1 ? 'method' : 'methods'}.`}
        {preview !== null &&
          preview.notRunPairs > 0 &&
          ` ${preview.notRunPairs} pairs lack images and will not be run.`}
        {preview !== null && (
          <span
            className="muted"
            title={`Run id ${preview.runId}`}
            data-testid="run-preview-id"
            data-run-id={preview.runId}
          >
            {' '}
            Run <code>{preview.runId.slice(0, 8)}</code> ·{' '}
            <span data-testid="run-selection">{preview.selection}</span>
          </span>
        )}
        {preview !== null && preview.unknownIds.length > 0 && (
          <span className="run-unknown-ids"> No pair has the id {preview.unknownIds.join(', ')}.</span>
        )}
      </p>

      {blocked !== null && (
        <p className="notice run-blocked" role="status" data-testid="run-blocked-reason">
          <strong>Nothing to run.</strong> {blocked} Add the images under “2. Images”, then start.
        </p>
      )}

      <div className="run-buttons">
        {canResume ? (
          <button
            type="button"
            className="button"
            data-testid="run-resume"
            onClick={() => void actions.resume()}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            className="button"
            data-testid="run-start"
            onClick={() => void actions.start()}
            disabled={!canStart}
          >
            Start
          </button>
        )}
        <button
          type="button"
          className="button button-secondary"
          data-testid="run-pause"
          onClick={() => void actions.pause()}
          disabled={phase !== 'running' && phase !== 'starting'}
        >
          Pause
        </button>
        <button
          type="button"
          className="button button-secondary"
          data-testid="run-cancel"
          onClick={() => void actions.cancel()}
          disabled={!(active || phase === 'paused' || phase === 'failed') || phase === 'cancelling'}
        >
          Cancel
        </button>
      </div>

      <p className="run-status-line" role="status" aria-live="polite">
        Status: <strong data-testid="run-status">{PHASE_TEXT[phase]}</strong>
        {run && phase !== 'idle' && <span className="muted"> · {runName(run)}</span>}
      </p>

      {showProgress && progress && (
        <div className="run-progress-block">
          <ProgressBar
            testId="run-progress"
            value={progress.done}
            max={progress.total}
            label="Evaluation progress"
            valueText={`${progress.done} of ${progress.total} cases`}
          />
          <p className="run-stats">
            <span data-testid="run-done-count">
              {progress.done}/{progress.total}
            </span>{' '}
            cases ({formatPercent(progress.done, progress.total)}) · elapsed{' '}
            {formatDuration(elapsedMs / 1000)} · ETA{' '}
            {formatDuration(phase === 'running' ? progress.etaSeconds : phase === 'complete' ? 0 : null)} ·{' '}
            {formatRate(progress.casesPerSecond, 'cases')}
          </p>
          {progress.current && active && <CurrentPair current={progress.current} />}
        </div>
      )}

      {notRunPairs.length > 0 && phase !== 'idle' && (
        <p className="muted">
          Not run: {notRunPairs.length} pairs lack images (listed under Images). Add them and start again to
          complete the run.
        </p>
      )}
      {imageProblems.length > 0 && (
        <details className="run-missing">
          <summary>{imageProblems.length} images could not be used</summary>
          <ul className="run-missing-list">
            {imageProblems.map((p) => (
              <li key={p.localId}>{p.message}</li>
            ))}
          </ul>
        </details>
      )}

      <LockedNotice />
      <InterruptedNotice showResumeId={!canResume} />

      {error !== null && (
        <div className="alert" role="alert" data-testid="run-error">
          <p className="alert-title">{error.title}</p>
          <p className="alert-message">{error.message}</p>
          {error.hint && <p className="alert-hint">{error.hint}</p>}
          {canRetryOnWasm && (
            <p className="alert-hint">
              On wasm the evaluation is a separate run (numbers from different devices are never mixed); the
              WebGPU results saved so far are kept.
            </p>
          )}
          <div className="alert-actions">
            {canRetryOnWasm && (
              <button type="button" className="button" onClick={() => void actions.retryOnWasm()}>
                Retry on wasm
              </button>
            )}
            <button type="button" className="button button-secondary" onClick={actions.dismissError}>
              Dismiss
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
