/**
 * A head without `classes` takes them from the training data (runtime/data/classes.ts): the
 * cylinders of examples/data/cars.csv are 3, 4, 5, 6 and 8, not ids 0…4.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, mtlc, workspace } from './model-run.js';

const cylinders = (n: number) => `model Cyl {
  input specs: float[2] from ["displacement", "horsepower"] normalize
  head cylinders = specs -> dense(8, relu) -> classify(${n})
  train { epochs: 2, seed: 1 }
  data { train: "data/cars.csv" }
}
`;

function carsWorkspace(n: number): string {
  const dir = workspace(['examples/data/cars.csv']);
  fs.writeFileSync(path.join(dir, 'examples/cyl.mtl'), cylinders(n));
  return dir;
}

describe('classes from the data', () => {
  it("takes a classify head's classes from the training labels in numeric order, saves them, and predicts them", async () => {
    const dir = carsWorkspace(5);
    const trained = await mtlc(['train', 'examples/cyl.mtl', '-o', 'out', '--quiet'], { cwd: dir });
    expect(trained.code).toBe(0);
    const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'out/mtl.json'), 'utf8'));
    expect(sidecar.heads.cylinders.classes).toEqual(['3', '4', '5', '6', '8']);
    const predicted = await mtlc(['predict', 'out', '--data', 'examples/data/cars.csv'], { cwd: dir });
    expect(predicted.code).toBe(0);
    const labels = new Set(jsonLines<{ cylinders: string }>(predicted.stdout).map((r) => r.cylinders));
    expect([...labels].every((l) => ['3', '4', '5', '6', '8'].includes(l))).toBe(true);
    expect(labels.has('8')).toBe(true);
  });

  it("says in one error which labels the data has when their count is not the head's", async () => {
    const dir = carsWorkspace(4);
    expect(await mtlc(['train', 'examples/cyl.mtl', '-o', 'out', '--quiet'], { cwd: dir })).toMatchObject({
      code: 1,
      stderr:
        'mtlc: 1 problem in the data:\n  examples/data/cars.csv: column "cylinders": head "cylinders" is classify(4), but the training data has 5 labels: "3", "4", "5", "6", "8": write classify(5), or list the classes it has: classes: [...]\n',
    });
  });

  it('reports a label that training never saw at eval time, rather than reading it as a class id', async () => {
    const dir = carsWorkspace(5);
    expect((await mtlc(['train', 'examples/cyl.mtl', '-o', 'out', '--quiet'], { cwd: dir })).code).toBe(0);
    const rows = fs.readFileSync(path.join(dir, 'examples/data/cars.csv'), 'utf8').split('\n');
    // Row 2 of the file has 8 cylinders; make it 2, which is a valid id (0…4) but no class the data had.
    const header = rows[0]!.split(',');
    const cells = rows[1]!.split(',');
    cells[header.indexOf('cylinders')] = '2';
    fs.writeFileSync(path.join(dir, 'odd.csv'), `${rows[0]}\n${cells.join(',')}\n`);
    const evaluated = await mtlc(['eval', 'out', '--data', 'odd.csv'], { cwd: dir });
    expect(evaluated.code).toBe(1);
    expect(evaluated.stderr).toBe(
      'mtlc: 1 problem in the data:\n  odd.csv:2: column "cylinders": "2" is not a class of head "cylinders" (classes: "3", "4", "5", "6", "8")\n',
    );
  });
});
