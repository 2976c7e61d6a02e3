// Renders text with search terms marked. Splits plain strings into <mark> runs, so user text is
// still only ever rendered as text.

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Props {
  text: string;
  /** Lower-case search words; empty means no marking. */
  terms: readonly string[];
}

export function Highlight({ text, terms }: Props) {
  if (terms.length === 0) return <>{text}</>;
  const pattern = new RegExp(`(${terms.map(escapeRegExp).join('|')})`, 'gi');
  // With one capturing group, split puts the matches at odd indexes.
  const parts = text.split(pattern);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? <mark key={i}>{part}</mark> : part === '' ? null : <span key={i}>{part}</span>,
      )}
    </>
  );
}
