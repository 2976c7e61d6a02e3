import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvError, isBlankCsvRow, parseCsv, parseCsvFields, toCsv } from '../../../src/core/csv.ts';

describe('parseCsv', () => {
  it('reads plain rows with LF, CRLF and CR line ends', () => {
    expect(parseCsv('a,b\nc,d\n')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(parseCsv('a,b\r\nc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(parseCsv('a,b\rc,d\r')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('handles quoted commas, doubled quotes and newlines inside quotes', () => {
    expect(parseCsv('"x, y","say ""hi""","line1\nline2\r\nline3"\n')).toEqual([
      ['x, y', 'say "hi"', 'line1\nline2\r\nline3'],
    ]);
  });

  it('keeps empty cells, including trailing ones', () => {
    expect(parseCsv('a,,\n,b,')).toEqual([
      ['a', '', ''],
      ['', 'b', ''],
    ]);
  });

  it('strips a leading BOM', () => {
    expect(parseCsv('\uFEFFid\n1')).toEqual([['id'], ['1']]);
  });

  it('tells quoted-empty from absent cells', () => {
    const [row] = parseCsvFields('"",\n');
    expect(row).toEqual([
      { value: '', quoted: true },
      { value: '', quoted: false },
    ]);
  });

  it('reports malformed quoting with line and column', () => {
    expect(() => parseCsv('a,"open\n')).toThrow(CsvError);
    expect(() => parseCsv('a,"open\n')).toThrow(/line 1, column 3: unterminated/);
    expect(() => parseCsv('ok\na"b')).toThrow(/line 2, column 2: quote inside/);
    expect(() => parseCsv('"a"b')).toThrow(/after closing quote/);
  });

  it('marks blank lines', () => {
    const rows = parseCsvFields('a\n\nb\n');
    expect(rows.map((r) => isBlankCsvRow(r))).toEqual([false, true, false]);
  });
});

describe('toCsv', () => {
  it('quotes only when needed and writes null as an absent cell', () => {
    expect(toCsv([['a', 'b,c', 'd"e', '', null]])).toBe('a,"b,c","d""e","",\r\n');
  });

  it('round-trips any table of strings and nulls', () => {
    const cell = fc.option(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', 'x') }), {
      nil: null,
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        (rows) => {
          const parsed = parseCsvFields(toCsv(rows)).map((r) =>
            r.map((f) => (f.value === '' && !f.quoted ? null : f.value)),
          );
          expect(parsed).toEqual(rows);
        },
      ),
    );
  });
});
