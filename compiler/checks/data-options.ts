/** The `data {}` section (LANGUAGE.md §4): the train, validation and test files and their format. */
import type { DataDecl } from '../ast.js';
import { sectionOf, type ModelContext } from '../check-context.js';
import type { DataSpec } from '../ir.js';
import { DATA_FORMATS, type DataFormat } from '../library/data-formats.js';
import { DATA_OPTIONS } from '../library/options.js';
import { optionValue, readOptions } from '../options.js';
import type { Report } from '../values.js';

export function checkData(ctx: ModelContext): void {
  ctx.data = dataOf(sectionOf(ctx, 'Data', 'data'), ctx.report);
}

function dataOf(decl: DataDecl | undefined, report: Report): DataSpec {
  if (decl === undefined) return {};
  const options = readOptions('data', decl.options, DATA_OPTIONS, report);
  const spec: { -readonly [K in keyof DataSpec]: DataSpec[K] } = {};
  for (const name of ['train', 'validation', 'test'] as const) {
    const option = options.get(name);
    const path = option && optionValue(option, { kind: 'string' }, report);
    if (typeof path === 'string') spec[name] = path;
  }
  const format = options.get('format');
  const value = format && optionValue(format, { kind: 'enum', what: 'a data format', values: DATA_FORMATS }, report);
  if (value !== undefined) spec.format = value as DataFormat;
  return spec;
}
