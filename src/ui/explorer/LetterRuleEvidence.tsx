// A GD answer's letter rule in the pair view: which rule the run read the letters by (and whether
// that is the paper's), and the same case re-read under every rule from its stored letter logits
// (core/run/letterRules), with the tokens each rule reads and the probability of A under it.
import type { LetterRule } from '../../core/run/letterRules.ts';
import { everyRuleReading, isLetterRule, LETTER_RULE_SPECS } from '../../core/run/letterRules.ts';
import type { CaseRecord } from '../../core/types.ts';
import { formatPercent } from '../../core/results/explorerModel.ts';

function tokenList(texts: readonly string[]): string {
  return texts.map((t) => JSON.stringify(t)).join(' + ');
}

export function LetterRuleEvidence({
  c,
  letterRule,
  testId,
}: {
  c: CaseRecord;
  letterRule: LetterRule | 'unknown';
  testId?: string;
}) {
  const readings = c.letterLogits ? everyRuleReading(c.letterLogits) : [];
  const own = readings.find((r) => r.rule === letterRule);
  return (
    <div className="explorer-letter-rule" data-testid={testId} data-rule={letterRule}>
      <p className="explorer-numbers">
        Letter rule:{' '}
        <strong>{isLetterRule(letterRule) ? LETTER_RULE_SPECS[letterRule].label : 'not recorded'}</strong>
        {own && <> (reads {`${tokenList(own.tokens.A)} vs ${tokenList(own.tokens.B)}`})</>}
        {isLetterRule(letterRule) && !LETTER_RULE_SPECS[letterRule].comparableWithPaper && (
          <span className="muted"> · not the paper’s rule</span>
        )}
      </p>
      {readings.length > 0 ? (
        <details className="explorer-letter-readings">
          <summary>Under every letter rule</summary>
          <table className="explorer-letter-table">
            <thead>
              <tr>
                <th scope="col">rule</th>
                <th scope="col">tokens A / B</th>
                <th scope="col">P(A)</th>
                <th scope="col">answer</th>
              </tr>
            </thead>
            <tbody>
              {readings.map((r) => (
                <tr
                  key={r.rule}
                  data-rule={r.rule}
                  data-answer={r.answer}
                  data-p-a={String(r.probabilities.A)}
                  className={r.rule === letterRule ? 'is-current' : undefined}
                >
                  <th scope="row">{LETTER_RULE_SPECS[r.rule].label}</th>
                  <td className="mono">
                    {tokenList(r.tokens.A)} / {tokenList(r.tokens.B)}
                  </td>
                  <td className="num">{formatPercent(r.probabilities.A)}</td>
                  <td>{r.answer}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : (
        <p className="muted">No letter logits were stored for this case (computed before they were kept).</p>
      )}
    </div>
  );
}
