// The shown run's own image similarity against confusion (the Explorer's chart, for one method of
// the run with a picker), under its run card. Nothing at all for a run that kept no embeddings.
import { useCallback, useState, type ChangeEvent } from 'react';
import { DEFAULT_URL_STATE, explorerHash } from '../../core/results/explorerUrl.ts';
import type { RunModelSimilarity } from '../../core/results/modelSimilarity.ts';
import type { ConfusionPair, Method } from '../../core/types.ts';
import { ModelSimilarityChart } from '../explorer/ModelSimilarityChart.tsx';

export function ModelSimilarityPanel({
  runId,
  runLabel,
  similarity,
  pairs,
}: {
  runId: string;
  runLabel: string;
  similarity: RunModelSimilarity;
  pairs: readonly ConfusionPair[];
}) {
  const [chosen, setChosen] = useState<Method | null>(null);
  const methods = similarity.byMethod.map((m) => m.method);
  const entry = similarity.byMethod.find((m) => m.method === chosen) ?? similarity.byMethod[0];
  const method = entry?.method ?? null;
  // Each mark opens its pair in the Explorer, under this run and method.
  const hrefFor = useCallback(
    (pairId: string) => explorerHash({ ...DEFAULT_URL_STATE, run: runId, method, pair: pairId }),
    [runId, method],
  );
  if (!entry) return null;

  function onMethod(e: ChangeEvent<HTMLSelectElement>) {
    setChosen(e.target.value as Method);
  }

  return (
    <section
      className="results-model-sim"
      aria-labelledby="results-model-sim-heading"
      data-testid="results-model-similarity"
    >
      <div className="section-head">
        <h4 id="results-model-sim-heading">The model&rsquo;s own image similarity against confusion</h4>
        {methods.length > 1 && (
          <label className="field field-inline">
            <span>Method</span>
            <select value={entry.method} onChange={onMethod} data-testid="results-model-similarity-method">
              {methods.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <p className="muted">
        Are the pairs this model sees as most alike the ones it answers alike? Each mark is a pair with two
        valid answers, placed by the cosine of its two images&rsquo; mean features inside the model.
      </p>
      <ModelSimilarityChart
        confusion={entry.confusion}
        pairs={pairs}
        currentId={null}
        label={`${runLabel} · ${entry.method}`}
        hrefFor={hrefFor}
      />
    </section>
  );
}
