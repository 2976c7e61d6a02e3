// Run tab: the FF judge (a small text-only instruct model from a curated list, any hub repo id, or
// a local folder) and the FF settings. The paper judged with GPT-4o: numbers are not comparable.
import { useId } from 'react';
import { JUDGE_CATALOG, JUDGE_NOTE } from '../../core/modelCatalog.ts';
import { useJudgeStore } from '../../state/judgeStore.ts';
import { FilePickerButton } from './FilePicker.tsx';

export function JudgeSection({ locked }: { locked: boolean }) {
  const ids = useId();
  const state = useJudgeStore((s) => s);
  const busy = locked || state.status === 'loading';
  const chosen = JUDGE_CATALOG.find((e) => e.repoId === state.hubId);
  return (
    <fieldset className="run-judge" disabled={locked}>
      <legend>Judge for FF</legend>
      <p className="muted run-judge-note" data-testid="judge-note">
        {JUDGE_NOTE}
      </p>
      <div className="run-judge-fields">
        <label className="field">
          <span>Curated judges</span>
          <select
            data-testid="judge-catalog"
            value={chosen ? chosen.repoId : ''}
            onChange={(e) => e.target.value && state.setHubId(e.target.value)}
            disabled={busy}
          >
            <option value="">— choose —</option>
            {JUDGE_CATALOG.map((e) => (
              <option key={e.repoId} value={e.repoId}>
                {e.label} ({e.paramsMillions}M, {e.verified})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Hub id</span>
          <input
            type="text"
            data-testid="judge-hub-id"
            value={state.source === 'hub' ? state.hubId : ''}
            placeholder="owner/name"
            onChange={(e) => state.setHubId(e.target.value)}
            disabled={busy}
          />
        </label>
      </div>
      <div className="run-buttons">
        <FilePickerButton
          id={`${ids}-judge-folder`}
          testId="judge-folder-input"
          label={
            state.folder && state.source === 'folder'
              ? `Folder: ${state.folder.name}`
              : 'Choose a local judge folder…'
          }
          directory
          secondary
          disabled={busy}
          onFiles={state.pickFolder}
        />
        <button
          type="button"
          className="button button-small"
          data-testid="judge-load"
          disabled={busy}
          onClick={() => void state.load()}
        >
          Load judge
        </button>
      </div>
      <p role="status" data-testid="judge-status" className="run-judge-status">
        {state.status === 'ready' && state.judge
          ? `Loaded ${state.judge.identity.modelId} (${state.judge.info.dtype}, ${state.judge.info.device})`
          : state.status === 'loading'
            ? `Loading… ${state.message}`
            : 'No judge loaded (FF cannot run)'}
      </p>
      {state.error && (
        <p className="alert" role="alert" data-testid="judge-error">
          {state.error.title}: {state.error.message}
        </p>
      )}
      <div className="run-judge-fields run-judge-settings">
        <label className="field">
          <span>FF answer length (tokens)</span>
          <input
            type="number"
            min={1}
            max={512}
            data-testid="ff-max-tokens"
            value={state.maxNewTokens}
            onChange={(e) => state.setMaxNewTokens(Number(e.target.value))}
          />
        </label>
        <label className="field">
          <span>Judge threshold (score gap)</span>
          <input
            type="number"
            min={0}
            max={9}
            data-testid="ff-threshold"
            value={state.threshold}
            onChange={(e) => state.setThreshold(Number(e.target.value))}
          />
        </label>
      </div>
    </fieldset>
  );
}
