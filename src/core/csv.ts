// Minimal RFC 4180 CSV reader/writer for dataset and result files.
// Convention (as PostgreSQL's CSV mode): an unquoted empty cell means "absent" and a quoted empty
// cell ("") means the empty string, so optional fields survive a round trip exactly.

export class CsvError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(`CSV line ${line}, column ${column}: ${message}`);
    this.name = 'CsvError';
    this.line = line;
    this.column = column;
  }
}

export interface CsvField {
  value: string;
  /** True when the cell was written in quotes (distinguishes "" from an absent value). */
  quoted: boolean;
}

/** Parses CSV into rows of fields. Accepts LF, CRLF and CR line ends and a leading BOM. */
export function parseCsvFields(text: string): CsvField[][] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: CsvField[][] = [];
  let row: CsvField[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = src.length;
  if (n === 0) return rows;

  while (true) {
    // At the start of a field.
    let field: CsvField;
    if (src[i] === '"') {
      const startLine = line;
      const startColumn = i - lineStart + 1;
      let value = '';
      i++;
      while (true) {
        if (i >= n) throw new CsvError('unterminated quoted field', startLine, startColumn);
        const c = src[i] as string;
        if (c === '"') {
          if (src[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) {
          line++;
          lineStart = i + 1;
        }
        value += c;
        i++;
      }
      if (i < n && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
        throw new CsvError('unexpected character after closing quote', line, i - lineStart + 1);
      }
      field = { value, quoted: true };
    } else {
      const start = i;
      while (i < n && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
        if (src[i] === '"') throw new CsvError('quote inside an unquoted field', line, i - lineStart + 1);
        i++;
      }
      field = { value: src.slice(start, i), quoted: false };
    }
    row.push(field);

    if (i >= n) {
      rows.push(row);
      return rows;
    }
    if (src[i] === ',') {
      i++;
      continue;
    }
    // Line break: CRLF, LF or CR.
    i += src[i] === '\r' && src[i + 1] === '\n' ? 2 : 1;
    line++;
    lineStart = i;
    rows.push(row);
    row = [];
    if (i >= n) return rows; // a final line break ends the last record, it does not start one
  }
}

/** Parses CSV into rows of strings (absent and empty cells both become ''). */
export function parseCsv(text: string): string[][] {
  return parseCsvFields(text).map((r) => r.map((f) => f.value));
}

/** True for a row that is just an empty line. */
export function isBlankCsvRow(row: readonly CsvField[] | readonly string[]): boolean {
  if (row.length !== 1) return false;
  const only = row[0];
  return typeof only === 'string' ? only === '' : only !== undefined && only.value === '' && !only.quoted;
}

function quoteCell(cell: string | null): string {
  if (cell === null) return '';
  if (cell === '' || /[",\r\n]/.test(cell)) return `"${cell.replace(/"/g, '""')}"`;
  return cell;
}

/** Writes rows as CSV with CRLF line ends; null cells are written unquoted-empty (absent). */
export function toCsv(rows: readonly (readonly (string | null)[])[]): string {
  return rows.map((r) => r.map(quoteCell).join(',') + '\r\n').join('');
}
