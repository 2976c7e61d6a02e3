// The Run tab's GD letter rule (core/run/letterRules): which tokens GD reads as the letters A and B.
// The official rule is the default and the only one whose GD numbers are the paper's; the others
// make a run of their own (their own run id), and every GD case keeps the logits of all spellings.
import { LETTER_RULE_SPECS, LETTER_RULES, type LetterRule } from '../../core/run/letterRules.ts';

export function LetterRuleField({
  rule,
  disabled,
  onChange,
}: {
  rule: LetterRule;
  disabled: boolean;
  onChange: (rule: LetterRule) => void;
}) {
  const spec = LETTER_RULE_SPECS[rule];
  return (
    <div className="run-letter-rule">
      <label className="field field-inline">
        <span>
          <strong>GD letters</strong>
        </span>
        <select
          data-testid="letter-rule"
          value={rule}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value as LetterRule)}
        >
          {LETTER_RULES.map((r) => (
            <option key={r} value={r} title={LETTER_RULE_SPECS[r].description}>
              {LETTER_RULE_SPECS[r].label}
              {r === 'official' ? ' (as the paper)' : ''}
            </option>
          ))}
        </select>
      </label>
      <p className="muted run-letter-rule-note" data-testid="letter-rule-note">
        {spec.description}{' '}
        {spec.comparableWithPaper
          ? 'GD is comparable with the paper’s Table 1.'
          : 'Not the paper’s rule: GD is not comparable with its Table 1 (a separate run).'}
      </p>
    </div>
  );
}
