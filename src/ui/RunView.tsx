// The Run tab: model (section 1), images (section 2) and the evaluation itself (section 3).
// On first show it asks the stores to probe the browser, read stored images and look for a run
// that a closed tab left unfinished; it never starts anything by itself.
import { useEffect } from 'react';
import { imageStore } from '../state/imageStore.ts';
import { modelStore } from '../state/modelStore.ts';
import { ACTIVE_PHASES, runStore, useRunStore } from '../state/runStore.ts';
import { ImagesSection } from './run/ImagesSection.tsx';
import { ModelSection } from './run/ModelSection.tsx';
import { RunSection } from './run/RunSection.tsx';

export function RunView() {
  const running = useRunStore((s) => ACTIVE_PHASES.includes(s.phase));

  useEffect(() => {
    // Each action is idempotent, so StrictMode's double effect run is harmless.
    void modelStore.getState().probeEnvironment();
    void modelStore.getState().refreshCache();
    void imageStore.getState().refresh();
    void runStore.getState().resumeIfInterrupted();
  }, []);

  return (
    <div className="run-view">
      <div className="run-intro">
        <h2 className="run-title">Run an evaluation</h2>
        <p className="muted">
          Everything runs in this browser: the model in a Web Worker (WebGPU or wasm), every answer saved in
          IndexedDB as soon as it is computed. A run can be paused, closed and resumed without recomputing.
        </p>
      </div>
      <div className="run-grid">
        <ModelSection locked={running} />
        <ImagesSection />
        <RunSection />
      </div>
    </div>
  );
}
