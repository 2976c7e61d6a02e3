// The Results tab's error panel (import, export, storage problems, stated precisely) and its
// one-line notices (imported, deleted, copied). The alert and the status region are announced.
import { useResultsStore } from '../../state/resultsStore.ts';

export function ResultsMessages() {
  const error = useResultsStore((s) => s.error);
  const notice = useResultsStore((s) => s.notice);
  const dismissError = useResultsStore((s) => s.dismissError);
  const dismissNotice = useResultsStore((s) => s.dismissNotice);
  return (
    <>
      {error !== null && (
        <div className="alert results-alert" role="alert" data-testid="results-error">
          <p className="alert-title">{error.title}</p>
          <p className="alert-message">{error.message}</p>
          <div className="alert-actions">
            <button type="button" className="button button-secondary" onClick={dismissError}>
              Dismiss
            </button>
          </div>
        </div>
      )}
      <div role="status" className="results-live">
        {notice !== null && (
          <p className="notice results-notice" data-testid="results-notice">
            <span>{notice}</span>
            <button type="button" className="link-button" onClick={dismissNotice}>
              Dismiss
            </button>
          </p>
        )}
      </div>
    </>
  );
}
