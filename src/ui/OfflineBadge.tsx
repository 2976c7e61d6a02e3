// The header's offline switch (with "stay offline until I turn it off", remembered in this browser)
// and network counter: how many requests left this page's origin since it loaded (the page's own and
// the engine worker's), and how many were refused before leaving.
import { networkRequestCount, useOfflineStore } from '../state/offlineStore.ts';
import './storage/offline.css';

/** What the header says about the mode and why it is so. */
function modeText(offline: boolean, reason: 'user' | 'no-network' | 'visit' | 'default'): string {
  const what = "nothing leaves this machine; models come from the browser's cache or a local folder.";
  if (!offline) {
    return reason === 'user'
      ? 'Off (chosen in this browser): models may be downloaded from the hub.'
      : 'Off (the network is available): models may be downloaded from the hub.';
  }
  if (reason === 'user') return `On, and stays on until you turn it off: ${what}`;
  if (reason === 'no-network')
    return `On for this visit (no network): ${what} It goes off when the page next opens with network, unless you stay offline.`;
  return `On for this visit: ${what}`;
}

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
  const setStayOffline = useOfflineStore((s) => s.setStayOffline);

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
      <span id="offline-mode-help" className="offline-help" data-testid="offline-mode-help">
        {modeText(offline, reason)}
      </span>
      {offline && (
        <label className="offline-stay">
          <input
            type="checkbox"
            data-testid="offline-stay"
            checked={reason === 'user'}
            onChange={(e) => setStayOffline(e.target.checked)}
          />{' '}
          Stay offline until I turn it off
        </label>
      )}
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
