// The header's offline switch and network counter: how many requests left this page's origin since
// it loaded (the page's own and the engine worker's), and how many were refused before leaving.
import { networkRequestCount, useOfflineStore } from '../state/offlineStore.ts';
import './storage/offline.css';

const REASONS = {
  user: 'chosen in this browser',
  'no-network': 'the page opened without network',
  default: 'the network is available',
} as const;

export function OfflineBadge() {
  const offline = useOfflineStore((s) => s.offline);
  const reason = useOfflineStore((s) => s.reason);
  const count = useOfflineStore(networkRequestCount);
  const pageRequests = useOfflineStore((s) => s.pageRequests);
  const workerRequests = useOfflineStore((s) => s.workerRequests);
  const blocked = useOfflineStore((s) => s.blocked);
  const lastUrl = useOfflineStore((s) => s.lastForeignUrl);
  const workerChecks = useOfflineStore((s) => s.workerChecks);
  const setOffline = useOfflineStore((s) => s.setOffline);

  const detail =
    `Requests that left this page's origin since it loaded: ${pageRequests} from the page, ` +
    `${workerRequests} from the model engine; ${blocked} refused before leaving.` +
    (lastUrl ? ` Last: ${lastUrl}` : '');

  return (
    <div className="offline-bar" data-offline={offline ? 'on' : 'off'}>
      <button
        type="button"
        className="offline-toggle"
        data-testid="offline-toggle"
        aria-pressed={offline}
        aria-describedby="offline-mode-help"
        onClick={() => setOffline(!offline)}
      >
        <span className="offline-toggle-track" aria-hidden="true">
          <span className="offline-toggle-thumb" />
        </span>
        Offline mode
      </button>
      <span id="offline-mode-help" className="offline-help">
        {offline
          ? `On (${REASONS[reason]}): nothing leaves this machine; models come from the browser's cache or a local folder.`
          : `Off (${REASONS[reason]}): models may be downloaded from the hub.`}
      </span>
      <span className="network-count" title={detail}>
        Network requests since load:{' '}
        <strong
          data-testid="network-request-count"
          data-page={pageRequests}
          data-worker={workerRequests}
          data-worker-checks={workerChecks}
        >
          {count}
        </strong>
        {blocked > 0 && (
          <span className="network-blocked" data-testid="network-blocked-count">
            {' '}
            · {blocked} refused
          </span>
        )}
      </span>
    </div>
  );
}
