// Entry point: starts loading the dataset (before the first render, so the fetch begins at once),
// keeps the tab in step with the URL hash, and mounts the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { datasetStore } from './state/datasetStore.ts';
import { syncTabWithLocation } from './state/uiStore.ts';
import './ui/styles.css';

void datasetStore.getState().loadOfficial();
void datasetStore.getState().refreshSaved();
syncTabWithLocation();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
