/** Python source text from TypeScript values: identifiers, string literals, and JSON-like literals. */

const KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/** `shared/dense_1` → `shared_dense_1`; a keyword or leading digit gets an underscore. */
export function pyIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (id === '' || /^[0-9]/.test(id)) id = `_${id}`;
  return KEYWORDS.has(id) ? `${id}_` : id;
}

/** A double-quoted Python string literal (JSON's escapes are Python's). */
export function pyString(text: string): string {
  return JSON.stringify(text);
}

type PyValue = number | string | boolean | null | readonly PyValue[] | { readonly [key: string]: PyValue | undefined };

/** A Python literal for a JSON-like value: dicts, lists, strings, numbers, True/False/None. */
export function pyLiteral(value: PyValue | undefined): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `float("${value}")`;
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyLiteral(v)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, PyValue | undefined>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyLiteral(v)}`).join(', ')}}`;
}
