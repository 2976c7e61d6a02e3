// Column headers of the app's data tables: scoped header cells, numeric columns right-aligned,
// and an optional last column of row buttons that has a name only for screen readers.

export interface Column {
  label: string;
  numeric?: boolean;
  className?: string;
}

export function TableHead({ columns, actions = false }: { columns: readonly Column[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th
            key={c.label}
            scope="col"
            className={[c.className, c.numeric ? 'num' : null].filter(Boolean).join(' ') || undefined}
          >
            {c.label}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
