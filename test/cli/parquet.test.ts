import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../../runtime/backend/index.js';
import { jsonLines, mtlc, workspace } from './model-run.js';

/** The rows of a Parquet file as JSON objects, read by DuckDB itself. */
async function parquetRows(file: string): Promise<Record<string, unknown>[]> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const result = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
  connection.closeSync();
  return result.getRowObjectsJson() as Record<string, unknown>[];
}

beforeAll(async () => {
  await setupBackend('wasm');
});

describe('mtlc with Parquet data', () => {
  it('trains on a Parquet file to the very model it trains to on the CSV of the same rows, and predicts to Parquet', async () => {
    const dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    await connection.run(
      `COPY (SELECT * FROM read_csv('${path.join(dir, 'examples/data/penguins.csv')}', header = true)) TO '${path.join(dir, 'penguins.parquet')}' (FORMAT parquet)`,
    );
    connection.closeSync();
    const fromCsv = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '2', '-o', 'csv-run', '--quiet'], { cwd: dir });
    const fromParquet = await mtlc(
      ['train', 'examples/penguins.mtl', '--data', 'penguins.parquet', '--epochs', '2', '-o', 'parquet-run', '--quiet'],
      {
        cwd: dir,
      },
    );
    expect([fromCsv.code, fromParquet.code]).toEqual([0, 0]);
    expect(fs.readFileSync(path.join(dir, 'parquet-run/weights.bin')).equals(fs.readFileSync(path.join(dir, 'csv-run/weights.bin')))).toBe(
      true,
    );

    const asParquet = await mtlc(['predict', 'parquet-run', '--data', 'penguins.parquet', '--out', 'preds.parquet'], { cwd: dir });
    const asJsonl = await mtlc(['predict', 'parquet-run', '--data', 'examples/data/penguins.csv', '--out', 'preds.jsonl'], { cwd: dir });
    expect([asParquet.code, asParquet.stderr]).toEqual([0, 'wrote 342 predictions to preds.parquet\n']);
    expect(asJsonl.code).toBe(0);
    expect(await parquetRows(path.join(dir, 'preds.parquet'))).toEqual(jsonLines(fs.readFileSync(path.join(dir, 'preds.jsonl'), 'utf8')));
  });

  it('asks for a file when Parquet output would go to stdout', async () => {
    const result = await mtlc(['predict', 'nowhere', '--data', 'x.parquet', '--format', 'parquet']);
    expect([result.code, result.stderr]).toEqual([2, 'mtlc: Parquet output needs a file: pass --out preds.parquet\n']);
  });
});
