// The app shell: header, dataset bar, tab navigation, the first visit's guide and the active tab's view.
// Each view lives in its own file; this component only chooses which one to show.
import type { ComponentType } from 'react';
import { DatasetBar } from './DatasetBar.tsx';
import { ExplorerView } from './ExplorerView.tsx';
import { OfflineBadge } from './OfflineBadge.tsx';
import { PairsView } from './PairsView.tsx';
import { ResultsView } from './ResultsView.tsx';
import { RunView } from './RunView.tsx';
import { StartHere } from './StartHere.tsx';
import { StorageView } from './StorageView.tsx';
import { Tabs, panelId, tabId } from './Tabs.tsx';
import { useUiStore, type Tab } from '../state/uiStore.ts';

const VIEWS: Record<Tab, ComponentType> = {
  pairs: PairsView,
  run: RunView,
  results: ResultsView,
  explorer: ExplorerView,
  storage: StorageView,
};

export function App() {
  const tab = useUiStore((s) => s.tab);
  const View = VIEWS[tab];
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <h1 className="app-title">MediConfusion Local</h1>
        <p className="app-purpose">
          Evaluate vision-language models on the MediConfusion medical VQA benchmark, entirely in your
          browser.
        </p>
        <OfflineBadge />
      </header>
      <DatasetBar />
      <Tabs />
      <main id="main" className="app-main" tabIndex={-1}>
        <StartHere />
        <div role="tabpanel" id={panelId(tab)} aria-labelledby={tabId(tab)} className="panel">
          <View />
        </div>
      </main>
    </div>
  );
}
