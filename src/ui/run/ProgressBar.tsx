// A labelled progress bar: role=progressbar with the numbers screen readers need.
interface ProgressBarProps {
  value: number;
  max: number;
  label: string;
  valueText: string;
  testId?: string;
}

export function ProgressBar({ value, max, label, valueText, testId }: ProgressBarProps) {
  const fraction = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={valueText}
      data-testid={testId}
    >
      <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
    </div>
  );
}
