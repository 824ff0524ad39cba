/** The formats a data file can have (`data { format: … }`, LANGUAGE.md §4): the one list the checker, the reader and the CLI share. */
export const DATA_FORMATS = ['csv', 'jsonl', 'parquet'] as const;

export type DataFormat = (typeof DATA_FORMATS)[number];

/** The format a file name's extension names; undefined for other extensions. */
export function formatOfExtension(file: string): DataFormat | undefined {
  const dot = file.lastIndexOf('.');
  return dot < 0 ? undefined : EXTENSIONS[file.slice(dot).toLowerCase()];
}

const EXTENSIONS: Readonly<Record<string, DataFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};
