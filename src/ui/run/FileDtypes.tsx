// The per-file dtype choice of the Run tab: real repos mix number formats per ONNX file (e.g. an
// fp16 vision encoder with a q4 decoder), so each file of an image-text model may get its own.
import { ALL_DTYPES, type Dtype } from '../../core/run/vocabulary.ts';
import { IMAGE_TEXT_MODEL_FILES, type ImageTextModelFile } from '../../core/run/dtypes.ts';
import { useModelStore } from '../../state/modelStore.ts';

const FILE_LABEL: Record<ImageTextModelFile, string> = {
  vision_encoder: 'Vision encoder',
  embed_tokens: 'Token embeddings',
  decoder_model_merged: 'Decoder',
};

export function FileDtypes({ disabled }: { disabled: boolean }) {
  const dtype = useModelStore((s) => s.dtype);
  const fileDtypes = useModelStore((s) => s.fileDtypes);
  const setFileDtype = useModelStore((s) => s.setFileDtype);
  const mixed = Object.keys(fileDtypes).length > 0;
  return (
    <details className="file-dtypes" data-testid="file-dtypes" open={mixed || undefined}>
      <summary>Per-file dtypes{mixed ? ' (mixed)' : ''}</summary>
      <p className="muted">
        Many repos pair a small decoder format with a more exact vision encoder. Files left on “same” use the
        dtype above. A repo that declares its own mix is loaded with it unless you choose.
      </p>
      <div className="run-fields">
        {IMAGE_TEXT_MODEL_FILES.map((file) => (
          <label className="field" key={file}>
            <span>{FILE_LABEL[file]}</span>
            <select
              data-testid={`file-dtype-${file}`}
              value={fileDtypes[file] ?? ''}
              onChange={(e) => setFileDtype(file, e.target.value === '' ? null : (e.target.value as Dtype))}
              disabled={disabled}
            >
              <option value="">same ({dtype})</option>
              {ALL_DTYPES.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
    </details>
  );
}
