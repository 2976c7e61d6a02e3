// Run tab, section 1: choosing and loading the model (catalog, hub id + revision, or a local
// folder), device and dtype, load progress, the loaded model's card and the model cache.
import { FileDtypes } from './FileDtypes.tsx';
import { useId, type ChangeEvent } from 'react';
import { MODEL_CATALOG, SIZE_NOTE, catalogEntry, type CatalogEntry } from '../../core/modelCatalog.ts';
import { familyById } from '../../core/modelFamilies.ts';
import type { Device, Dtype } from '../../core/run/vocabulary.ts';
import { ALL_DTYPES, dtypeOffered, useModelStore, type ModelState } from '../../state/modelStore.ts';
import { DropZone, FilePickerButton } from './FilePicker.tsx';
import { formatBytes, formatDuration, formatRate } from './format.ts';
import { ImageViewFacts } from './ImageViewFacts.tsx';
import { ProgressBar } from './ProgressBar.tsx';

const CUSTOM = '__custom__';
const FOLDER = '__folder__';

function paramsText(millions: number): string {
  return millions >= 1000 ? `${(millions / 1000).toFixed(1)}B` : `${millions}M`;
}

function optionText(entry: CatalogEntry, dtype: Dtype): string {
  const size = entry.approxSizeMb[dtype];
  const sizeText =
    size !== undefined
      ? ` · ~${size >= 1000 ? `${(size / 1024).toFixed(1)} GB` : `${size} MB`} ${dtype}`
      : '';
  const unavailable = entry.availability.kind === 'ready' ? '' : ' — cannot be loaded';
  return `${entry.label} (${paramsText(entry.paramsMillions)}${sizeText})${unavailable}`;
}

function EnvironmentLine() {
  const environment = useModelStore((s) => s.environment);
  const error = useModelStore((s) => s.environmentError);
  if (error !== null) return <p className="run-env">Could not query the browser: {error}</p>;
  if (environment === null) return <p className="run-env muted">Checking what this browser offers…</p>;
  const { webgpu } = environment;
  return (
    <p className="run-env">
      {webgpu.available ? (
        <>
          <strong>WebGPU available</strong> ({webgpu.adapter ?? 'unknown adapter'}; shader-f16{' '}
          {webgpu.shaderF16 ? 'yes' : 'no'})
        </>
      ) : (
        <>
          <strong>WebGPU not available</strong>: {webgpu.reason ?? 'no reason given'}. The model runs on wasm
          (CPU).
        </>
      )}
      <span className="muted">
        {' '}
        · wasm threads: {environment.threads}
        {environment.crossOriginIsolated ? '' : ' (page not cross-origin isolated)'}
      </span>
    </p>
  );
}

function CatalogCard({ entry }: { entry: CatalogEntry }) {
  const family = entry.familyId ? familyById(entry.familyId) : null;
  return (
    <div className="run-catalog-card">
      <p>
        {family ? family.label : 'No supported family'} · {paramsText(entry.paramsMillions)} parameters ·
        licence{' '}
        <a href={entry.licenceUrl} target="_blank" rel="noreferrer noopener">
          {entry.licence}
        </a>
      </p>
      {entry.availability.kind !== 'ready' && <p className="notice">{entry.availability.reason}</p>}
      <details>
        <summary>Sizes and notes ({entry.verified})</summary>
        <p>
          Approx. size:{' '}
          {Object.entries(entry.approxSizeMb)
            .map(([dtype, mb]) => `${dtype} ~${mb} MB`)
            .join(', ')}
          . {SIZE_NOTE}
        </p>
        {entry.fileSizesMb && (
          <p data-testid="catalog-file-sizes">
            File sizes listed on the{' '}
            <a href={entry.fileSizesMb.source} target="_blank" rel="noreferrer noopener">
              hub page
            </a>
            :{' '}
            {Object.entries(entry.fileSizesMb.files)
              .map(([file, mb]) => `${file.replace(/^onnx\//, '')} ${mb} MB`)
              .join(', ')}
            .
          </p>
        )}
        <p>{entry.notes}</p>
      </details>
    </div>
  );
}

function LoadProgressView() {
  const progress = useModelStore((s) => s.progress);
  const status = useModelStore((s) => s.status);
  if (status !== 'loading' || progress === null) return null;
  const files = progress.files.filter((f) => f.total > 0 || f.loaded > 0);
  return (
    <div className="run-load-progress">
      <p>{progress.message}</p>
      {progress.phase === 'download' && (
        <>
          <ProgressBar
            value={progress.loaded}
            max={Math.max(progress.total, 1)}
            label="Model download"
            valueText={`${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`}
          />
          <p className="run-stats">
            {formatBytes(progress.loaded)} of {formatBytes(progress.total)} · {progress.filesDone}/
            {progress.filesTotal} files ·{' '}
            {formatRate(
              progress.bytesPerSecond === null ? null : progress.bytesPerSecond / (1024 * 1024),
              'MB',
            )}{' '}
            · ETA {formatDuration(progress.etaSeconds)}
          </p>
          <details className="run-files">
            <summary>Per file</summary>
            <ul>
              {files.map((f) => (
                <li key={f.name}>
                  <code>{f.name}</code> {formatBytes(f.loaded)} / {formatBytes(f.total)}
                </li>
              ))}
            </ul>
          </details>
        </>
      )}
    </div>
  );
}

function LoadedCard() {
  const model = useModelStore((s) => s.model);
  if (model === null) return null;
  const { info, identity } = model;
  return (
    <div className="run-loaded">
      <p>
        <strong>{info.modelId}</strong>{' '}
        <span className="muted">
          {identity.sourceKind === 'files' ? 'local folder' : `revision ${info.revision}`}
        </span>
      </p>
      <dl className="run-facts">
        <dt>Family</dt>
        <dd>{familyById(info.family)?.label ?? info.family}</dd>
        <dt>Architecture</dt>
        <dd>{info.architecture}</dd>
        <dt>Device</dt>
        <dd>{info.device}</dd>
        <dt>Dtype</dt>
        <dd data-testid="loaded-dtype">
          {info.dtype}
          {info.dtypeDeclared ? ' (declared by the repo)' : ''}
        </dd>
        <dt>Files</dt>
        <dd>{info.files.length}</dd>
        <ImageViewFacts info={info} />
        <dt>Loaded in</dt>
        <dd>{formatDuration(model.loadMs / 1000)}</dd>
      </dl>
      {info.fallbackReason && (
        <p className="notice" role="status">
          Fallback: {info.fallbackReason}
        </p>
      )}
    </div>
  );
}

function CacheLine() {
  const cache = useModelStore((s) => s.cache);
  const cacheStatus = useModelStore((s) => s.cacheStatus);
  const clearCache = useModelStore((s) => s.clearCache);
  if (cacheStatus === 'unavailable')
    return <p className="muted">This page cannot use Cache Storage (not a secure context).</p>;
  return (
    <p className="run-cache">
      <span>
        Model cache:{' '}
        {cache === null
          ? cacheStatus === 'error'
            ? 'could not be read'
            : '…'
          : `${cache.entries} ${cache.entries === 1 ? 'file' : 'files'}, ${formatBytes(cache.bytes)}`}
      </span>{' '}
      <button
        type="button"
        className="button button-secondary button-small"
        onClick={() => void clearCache()}
        disabled={cache === null || cache.entries === 0}
      >
        Clear model cache
      </button>
    </p>
  );
}

function statusText(s: Pick<ModelState, 'status' | 'model' | 'notice'>): string {
  if (s.status === 'loading') return 'Loading…';
  if (s.model) return `Loaded: ${s.model.info.modelId} (${s.model.info.device}, ${s.model.info.dtype})`;
  if (s.status === 'error') return 'Not loaded (error)';
  return 'No model loaded';
}

export function ModelSection({ locked }: { locked: boolean }) {
  const ids = useId();
  const source = useModelStore((s) => s.source);
  const hubId = useModelStore((s) => s.hubId);
  const revision = useModelStore((s) => s.revision);
  const folder = useModelStore((s) => s.folder);
  const device = useModelStore((s) => s.device);
  const dtype = useModelStore((s) => s.dtype);
  const environment = useModelStore((s) => s.environment);
  const status = useModelStore((s) => s.status);
  const model = useModelStore((s) => s.model);
  const notice = useModelStore((s) => s.notice);
  const error = useModelStore((s) => s.error);
  const hubHost = useModelStore((s) => s.hubHost);
  const actions = useModelStore((s) => s);

  const loading = status === 'loading';
  const busy = loading || locked;
  const entry = source === 'hub' ? catalogEntry(hubId) : null;
  const selectValue = source === 'folder' ? FOLDER : entry ? entry.repoId : CUSTOM;
  const webgpu = environment?.webgpu.available ?? false;

  function onSelect(e: ChangeEvent<HTMLSelectElement>) {
    const value = e.target.value;
    if (value === FOLDER) actions.selectFolderSource();
    else if (value === CUSTOM) actions.setHubId(entry ? '' : hubId);
    else actions.chooseHubModel(value);
  }

  return (
    <DropZone className="run-card" disabled={busy} onFiles={actions.pickFolder}>
      <section className="run-card-body" aria-labelledby="run-model-heading">
        <h3 id="run-model-heading">1. Model</h3>
        <EnvironmentLine />
        <div className="run-fields">
          <label className="field field-wide">
            <span>Model</span>
            <select data-testid="model-select" value={selectValue} onChange={onSelect} disabled={busy}>
              <optgroup label="Curated small models">
                {MODEL_CATALOG.map((m) => (
                  <option key={m.repoId} value={m.repoId} disabled={m.availability.kind !== 'ready'}>
                    {optionText(m, dtype)}
                  </option>
                ))}
              </optgroup>
              <option value={CUSTOM}>Another hub model (type its id)</option>
              <option value={FOLDER} disabled={folder === null}>
                {folder ? `Local folder: ${folder.name}` : 'Local folder (choose below)'}
              </option>
            </select>
          </label>
          <label className="field field-hub">
            <span>Hub repo id</span>
            <input
              data-testid="model-hub-id"
              value={source === 'hub' ? hubId : ''}
              placeholder="owner/name"
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => actions.setHubId(e.target.value)}
              disabled={busy}
            />
          </label>
          <label className="field field-narrow">
            <span>Revision</span>
            <input
              data-testid="model-revision"
              value={source === 'hub' ? revision : ''}
              placeholder="main"
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => actions.setRevision(e.target.value)}
              disabled={busy}
            />
          </label>
        </div>
        {hubHost !== null && (
          <p className="muted">
            Downloading from <code>{hubHost}</code> (set by <code>?hub=</code>).
          </p>
        )}
        <div className="run-folder-row">
          <FilePickerButton
            id={`${ids}-model-folder`}
            testId="model-folder-input"
            label="Choose a local model folder…"
            directory
            secondary
            disabled={busy}
            onFiles={actions.pickFolder}
          />
          <span className="muted">
            or drop one on this card (hub layout: config.json, tokenizer, onnx/*.onnx)
          </span>
        </div>
        {source === 'folder' && folder && (
          <p className="run-folder">
            <strong>{folder.name}</strong>: {folder.files.size} files, {formatBytes(folder.totalBytes)}
            {folder.dtypes.length > 0
              ? `; ONNX dtypes: ${folder.dtypes.join(', ')}`
              : '; no complete set of onnx/*.onnx files found'}
          </p>
        )}

        <div className="run-fields">
          <label className="field">
            <span>Device</span>
            <select
              data-testid="model-device"
              value={device}
              onChange={(e) => actions.setDevice(e.target.value as Device)}
              disabled={busy}
            >
              <option value="webgpu" disabled={!webgpu}>
                WebGPU{webgpu ? '' : ' (not available)'}
              </option>
              <option value="wasm">wasm</option>
            </select>
          </label>
          <label className="field">
            <span>Dtype</span>
            <select
              data-testid="model-dtype"
              value={dtype}
              onChange={(e) => actions.setDtype(e.target.value as Dtype)}
              disabled={busy}
            >
              {ALL_DTYPES.map((d) => {
                const offered = dtypeOffered({ source, folder, device, environment }, d);
                return (
                  <option key={d} value={d} disabled={!offered && d !== dtype}>
                    {d}
                    {offered ? '' : ' (not offered)'}
                  </option>
                );
              })}
            </select>
          </label>
          <button
            type="button"
            className="button"
            data-testid="model-load"
            onClick={() => void actions.load()}
            disabled={busy}
          >
            {loading ? 'Loading…' : model ? 'Load again' : 'Load model'}
          </button>
        </div>
        <FileDtypes disabled={busy} />

        {entry && <CatalogCard entry={entry} />}
        <p className="run-status-line" data-testid="model-status" role="status" aria-live="polite">
          {statusText({ status, model, notice })}
        </p>
        {locked && <p className="muted">The model cannot change while a run is in progress.</p>}
        {notice !== null && <p className="notice">{notice}</p>}
        <LoadProgressView />
        <LoadedCard />
        {error !== null && (
          <div className="alert" role="alert" data-testid="model-error">
            <p className="alert-title">{error.title}</p>
            <p className="alert-message">{error.message}</p>
            {error.hint && <p className="alert-hint">{error.hint}</p>}
            <div className="alert-actions">
              <button type="button" className="button button-secondary" onClick={actions.dismissError}>
                Dismiss
              </button>
            </div>
          </div>
        )}
        <CacheLine />
      </section>
    </DropZone>
  );
}
