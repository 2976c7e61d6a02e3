// Entry point: starts loading the dataset (before the first render, so the fetch begins at once),
// keeps the tab in step with the URL hash, starts offline mode and the network counter (and, in
// production builds, the service worker that keeps the app for offline use), and mounts the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { datasetStore } from './state/datasetStore.ts';
import { firstVisitStore } from './state/firstVisitStore.ts';
import { offlineStore } from './state/offlineStore.ts';
import { syncTabWithLocation } from './state/uiStore.ts';
import './ui/styles.css';
import './ui/explorer/present.css';
import './ui/explorer/modelSimilarity.css';

offlineStore.getState().start();
void datasetStore.getState().loadOfficial();
void datasetStore.getState().refreshSaved();
void firstVisitStore.getState().start();
syncTabWithLocation();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
