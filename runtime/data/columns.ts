/**
 * Columns copied as they are, for `mtlc predict --keep id,name`: the raw cells (CSV) or field
 * values (JSONL) of the named columns, one record per data row, in the order the binder reads them.
 */
import { DataError, DataErrors, didYouMeanColumn } from './errors.js';
import { type DataFormat, type DataSource, readRows, sourceName } from './read.js';

/** The values of `names` in every row of `source`; a CSV column the header lacks is a `DataErrors`. */
export async function readColumns(source: DataSource, format: DataFormat, names: readonly string[]): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let index: number[] = [];
  await readRows(source, format, {
    header: (header, line) => {
      const missing = names.filter((name) => !header.includes(name));
      if (missing.length > 0) {
        throw new DataErrors(
          missing.map(
            (name) =>
              new DataError(
                sourceName(source),
                line,
                { kind: 'column', name },
                `not in the header (--keep)${didYouMeanColumn(name, header)}`,
              ),
          ),
        );
      }
      index = names.map((name) => header.indexOf(name));
    },
    row: (row) => {
      rows.push(
        Object.fromEntries(
          names.map((name, k) => [name, row.format === 'jsonl' ? (row.record[name] ?? null) : row.cells.value(index[k]!)]),
        ),
      );
    },
    // The binder has reported malformed lines already; they hold no row.
    malformed: () => {},
  });
  return rows;
}
