/** The formats a data file can have (`data { format: … }`, LANGUAGE.md §4): the one list the checker, the reader and the CLI share. */
export const DATA_FORMATS = ['csv', 'jsonl'] as const;

export type DataFormat = (typeof DATA_FORMATS)[number];
