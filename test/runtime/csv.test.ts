import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal, readCsvBytes, surveyRows } from '../../runtime/data/csv.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const decimal = (text: string) => parseDecimal(bytes(text), 0, bytes(text).length);

/** Every row read from `text` with chunks of `chunk` bytes: [line, cells…] or [line, 'malformed: …']. */
function rows(text: string, chunk?: number): (number | string)[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-csv-'));
  const file = path.join(dir, 'data.csv');
  fs.writeFileSync(file, text);
  const out: (number | string)[][] = [];
  readCsvBytes(
    { file },
    {
      row: (cells, line) => out.push([line, ...Array.from({ length: cells.length }, (_, k) => cells.text(k))]),
      malformed: (line, problem) => out.push([line, `malformed: ${problem}`]),
    },
    chunk,
  );
  fs.rmSync(dir, { recursive: true });
  return out;
}

describe('parseDecimal', () => {
  it('gives exactly what Number gives for plain decimal numbers', () => {
    for (const text of [
      '0',
      '-0',
      '1',
      '+1',
      '-1.5',
      '0.1',
      '.5',
      '5.',
      '1e5',
      '1E-5',
      '-2.5e+3',
      '123456789012345',
      '0.000001',
      '3.14159',
    ]) {
      expect(Object.is(decimal(text), Number(text)), text).toBe(true);
    }
  });

  it('leaves everything else to the caller (NaN), so that its text is parsed and checked as before', () => {
    for (const text of [
      '',
      ' 1',
      '1 ',
      '0x10',
      '0b101',
      '1_000',
      'Infinity',
      'NaN',
      'e5',
      '.',
      '-',
      '1e',
      '1e+',
      '1.2.3',
      '12345678901234567',
      '1e400',
      '1e-400',
    ]) {
      expect(decimal(text), text).toBeNaN();
    }
  });

  it('agrees with Number on random decimals of up to 15 digits and exponents up to ±30', () => {
    const digits = fc.stringMatching(/^[0-9]{1,15}$/);
    fc.assert(
      fc.property(
        fc.boolean(),
        digits,
        fc.nat(15),
        fc.integer({ min: -30, max: 30 }),
        fc.boolean(),
        (negative, ds, point, exp, withExp) => {
          const at = Math.min(point, ds.length);
          const text = `${negative ? '-' : ''}${ds.slice(0, at)}.${ds.slice(at)}${withExp ? `e${exp}` : ''}`;
          const fast = decimal(text);
          if (!Number.isNaN(fast)) expect(Object.is(fast, Number(text)), text).toBe(true);
        },
      ),
      { numRuns: 20_000, seed: 7 },
    );
  });

  it('gives what Number gives, or NaN for the caller to parse, on any decimal: signs, leading zeros, 16 or more digits, large exponents', () => {
    const digits = fc.oneof(fc.stringMatching(/^[0-9]{0,8}$/), fc.stringMatching(/^[0-9]{9,25}$/));
    const exponent = fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{1,5}$/));
    const text = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^0{0,3}$/), digits, fc.boolean(), digits, fc.option(exponent))
      .map(([sign, zeros, whole, point, fraction, e]) => `${sign}${zeros}${whole}${point ? '.' : ''}${fraction}${e?.join('') ?? ''}`);
    const exact = (t: string) => {
      const fast = decimal(t);
      return Number.isNaN(fast) || Object.is(fast, Number(t));
    };
    for (const t of ['.5', '5.', '-0', '-0.0', '1e22', '1e23', '9007199254740993', '0.1234567890123456', '999999999999999e22']) {
      expect(exact(t), t).toBe(true);
    }
    fc.assert(
      fc.property(text, (t) => {
        expect(exact(t), t).toBe(true);
      }),
      { numRuns: 50_000, seed: 13 },
    );
  });
});

describe('readCsvBytes', () => {
  it('splits cells on commas, unquotes quoted cells with their "" and line breaks, and skips blank lines', () => {
    expect(rows('a,b,c\n1,"x,y","say ""hi"""\n\n  \n2,"two\nlines",3\r\n4,,\r5,6,7')).toEqual([
      [1, 'a', 'b', 'c'],
      [2, '1', 'x,y', 'say "hi"'],
      [5, '2', 'two\nlines', '3'],
      [7, '4', '', ''],
      [8, '5', '6', '7'],
    ]);
  });

  it('reads a cell far larger than its buffer (a megabyte of quoted text), growing the buffer for it', () => {
    const huge = `${'x'.repeat(500_000)}""${'y'.repeat(500_000)}`;
    expect(rows(`a,b\n1,"${huge}"\n2,3\n`, 1024)).toEqual([
      [1, 'a', 'b'],
      [2, '1', `${'x'.repeat(500_000)}"${'y'.repeat(500_000)}`],
      [3, '2', '3'],
    ]);
  });

  it('drops a byte-order mark and reads a last row without a line break', () => {
    expect(rows('\ufeffa,b\n1,2')).toEqual([
      [1, 'a', 'b'],
      [2, '1', '2'],
    ]);
  });

  it('reports an unterminated quote and text after a closing quote at the line the row starts on', () => {
    expect(rows('a,b\n"x"y,2\n3,4\n5,"open\n6,7\n')).toEqual([
      [1, 'a', 'b'],
      [2, 'malformed: trailing quote on quoted field is malformed'],
      [3, '3', '4'],
      [4, 'malformed: quoted field unterminated'],
    ]);
  });

  it('reads the same rows whatever the chunk size, rows and quoted cells crossing chunk ends', () => {
    const cell = fc.oneof(
      fc.stringMatching(/^[a-z0-9.\- ]{0,6}$/),
      fc.string({ maxLength: 6 }).map((s) => s.replace(/\r/g, '')),
    );
    const table = fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(table, fc.constantFrom('\n', '\r\n'), fc.integer({ min: 1, max: 40 }), (cells, eol, chunk) => {
        const quote = (c: string) => (/[",\n]/.test(c) || c.trim() === '' ? `"${c.replaceAll('"', '""')}"` : c);
        const text = ['h1,h2,h3', ...cells.map((r) => r.map(quote).join(','))].join(eol) + eol;
        const whole = rows(text);
        expect(rows(text, chunk)).toEqual(whole);
        // Independently: each row's cells, and its first line counted from the line breaks before it.
        let line = 2;
        const expected: (number | string)[][] = [[1, 'h1', 'h2', 'h3']];
        for (const r of cells) {
          expected.push([line, ...r]);
          line += 1 + r.join('').split('\n').length - 1;
        }
        expect(whole).toEqual(expected);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
  it('parses each unquoted cell as parseDecimal parses its text while splitting the row, at any chunk size', () => {
    const cell = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.integer().map(String),
      fc.stringMatching(/^[0-9eE.+\- x]{0,9}$/),
    );
    const table = fc.array(fc.array(cell, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(table, fc.integer({ min: 1, max: 40 }), fc.boolean(), (cells, chunk, quoteSome) => {
        const quoted = (r: number, k: number) => quoteSome && (r + k) % 3 === 0;
        const text = `${cells.map((row, r) => row.map((c, k) => (quoted(r, k) ? `"${c}"` : c)).join(',')).join('\n')}\n`;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-csv-'));
        const file = path.join(dir, 'numbers.csv');
        fs.writeFileSync(file, text);
        const read: number[][] = [];
        readCsvBytes(
          { file },
          { row: (c) => read.push(Array.from({ length: c.length }, (_, k) => c.number(k))), malformed: () => {} },
          chunk,
        );
        fs.rmSync(dir, { recursive: true });
        const blank = (row: string[]) => row.length === 1 && row[0]!.trim() === '';
        const expected = cells
          .map((row, r) => ({ row, r }))
          .filter(({ row, r }) => !blank(row) || quoted(r, 0))
          .map(({ row, r }) => row.map((c, k) => (quoted(r, k) ? Number.NaN : decimal(c))));
        expect(read).toEqual(expected);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe('surveyRows', () => {
  it('counts at least every row, line breaks inside quotes excepted', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-csv-'));
    const file = path.join(dir, 'data.csv');
    fs.writeFileSync(file, 'a,b\n1,"x\ny"\n2,3');
    expect(surveyRows(file, true)).toEqual({ rows: 3, quoted: true, cuts: [], bytes: 15 });
    fs.writeFileSync(file, 'a,b\r1,2\r');
    expect(surveyRows(file, true).rows).toBe(2);
    fs.rmSync(dir, { recursive: true });
  });

  it("cuts the file just after the first line break a segment's length or more past the last cut", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-csv-'));
    const file = path.join(dir, 'data.csv');
    // Lines start at bytes 0, 4, 12, 13 and 23; the file has 27.
    fs.writeFileSync(file, 'a,b\n1234567\n\n123456789\n1,2\n');
    expect(surveyRows(file, true, 5)).toEqual({ rows: 5, quoted: false, cuts: [12, 23], bytes: 27 });
    // A cut is never at the end of the file.
    expect(surveyRows(file, true, 1)).toEqual({ rows: 5, quoted: false, cuts: [4, 12, 23], bytes: 27 });
    fs.rmSync(dir, { recursive: true });
  });
});
