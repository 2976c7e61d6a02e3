// The search box shared by the Pairs view and the Explorer: `/` focuses it (the views bind that).
import type { KeyboardEvent, Ref } from 'react';

export function SearchField(props: {
  inputRef: Ref<HTMLInputElement>;
  testId: string;
  value: string;
  className?: string;
  onChange(value: string): void;
  onKeyDown(e: KeyboardEvent<HTMLInputElement>): void;
}) {
  return (
    <label className={`field field-search${props.className ? ` ${props.className}` : ''}`}>
      <span>
        Search <kbd title="Press / to search">/</kbd>
      </span>
      <input
        ref={props.inputRef}
        type="search"
        data-testid={props.testId}
        placeholder="Question, option, id…"
        autoComplete="off"
        spellCheck={false}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        onKeyDown={props.onKeyDown}
      />
    </label>
  );
}
