/**
 * A model directory is a sandbox, and its files are validated before use (docs/security.md): the
 * files model.json names stay inside it and have the sizes its manifest gives, and a damaged
 * sidecar is refused with the file and the field, exit 2, instead of predicting garbage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mtlc, workspace } from './model-run.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests damage JSON files of any shape.
type Json = Record<string, any>;

let dir: string;

beforeAll(async () => {
  dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
  expect((await mtlc(['train', 'examples/penguins.mtl', '-o', 'model', '--epochs', '1', '--quiet'], { cwd: dir })).code).toBe(0);
});

/** A copy of the built model with `edit` applied to it, then what `predict` says of it. */
async function predictDamaged(name: string, edit: (model: string) => void) {
  const model = path.join(dir, name);
  fs.cpSync(path.join(dir, 'model'), model, { recursive: true });
  edit(model);
  return mtlc(['predict', name, '--data', 'examples/data/penguins.csv'], { cwd: dir });
}

function editJson(file: string, change: (json: Json) => void): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(json);
  fs.writeFileSync(file, JSON.stringify(json));
}

const manifestPath = (paths: string[]) => (model: string) =>
  editJson(path.join(model, 'model.json'), (json) => {
    json.weightsManifest[0].paths = paths;
  });

describe('the model directory as a sandbox', () => {
  it('predicts from the model as built', async () => {
    const result = await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv'], { cwd: dir });
    expect(result.code).toBe(0);
  });

  it('refuses a weights path that climbs out of the directory', async () => {
    fs.copyFileSync(path.join(dir, 'model/weights.bin'), path.join(dir, 'outside.bin'));
    const result = await predictDamaged('climbs', manifestPath(['../outside.bin']));
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'mtlc: climbs: names the file "../outside.bin", which is not inside the model directory (it may name only files inside it)\n',
    );
  });

  it('refuses absolute paths, devices and links that lead out', async () => {
    const absolute = await predictDamaged('absolute', manifestPath(['/etc/passwd']));
    expect(absolute).toMatchObject({
      code: 2,
      stderr: 'mtlc: absolute: names the file "/etc/passwd", which is not inside the model directory (it may name only files inside it)\n',
    });
    const link = await predictDamaged('link', (model) => {
      fs.rmSync(path.join(model, 'weights.bin'));
      fs.symlinkSync('/dev/zero', path.join(model, 'weights.bin'));
    });
    expect(link).toMatchObject({ code: 2, stderr: 'mtlc: link/weights.bin: leads to /dev/zero, outside the model directory\n' });
  });

  it('reads no more than the manifest says the weights take', async () => {
    const grown = await predictDamaged('grown', (model) => fs.appendFileSync(path.join(model, 'weights.bin'), Buffer.alloc(1000)));
    expect(grown.code).toBe(2);
    expect(grown.stderr).toMatch(/^mtlc: grown\/weights\.bin: is \d+ bytes, more than the \d+ it may have\n$/);
    const short = await predictDamaged('short', (model) => fs.truncateSync(path.join(model, 'weights.bin'), 100));
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/^mtlc: short\/model\.json: its weights files hold \d+ bytes less than its weights take\n$/);
  });
});

describe('damaged sidecars', () => {
  const sidecar = (change: (json: Json) => void) => (model: string) => editJson(path.join(model, 'mtl.json'), change);

  it('names the file and the field of a normalization that is missing, short, null or negative', async () => {
    const cases: Array<[string, (json: Json) => void, string]> = [
      [
        'missing',
        (json) => delete json.inputs.measures.normalize,
        'inputs.measures.normalize is missing, but input "measures" is normalized',
      ],
      [
        'short',
        (json) => json.inputs.measures.normalize.mean.pop(),
        'not a valid mtl sidecar: inputs.measures.normalize: has 2 means but 3 variances',
      ],
      [
        'null',
        (json) => (json.inputs.measures.normalize.mean[1] = null),
        'not a valid mtl sidecar: inputs.measures.normalize.mean[1]: expected a finite number, got null',
      ],
      [
        'negative',
        (json) => (json.inputs.measures.normalize.variance[2] = -1),
        'not a valid mtl sidecar: inputs.measures.normalize.variance[2]: expected a finite number ≥ 0, got -1',
      ],
    ];
    for (const [name, change, problem] of cases) {
      const result = await predictDamaged(`sidecar-${name}`, sidecar(change));
      expect(result, name).toMatchObject({ code: 2, stdout: '', stderr: `mtlc: sidecar-${name}/mtl.json: ${problem}\n` });
    }
  });

  it('names the field of a checked model that is not one', async () => {
    const result = await predictDamaged('checked', (model) =>
      editJson(path.join(model, 'checked.json'), (json) => {
        json.model.inputs = null;
      }),
    );
    expect(result).toMatchObject({
      code: 2,
      stderr: 'mtlc: checked/checked.json: not valid as the checked model: model.inputs: expected a list, got null\n',
    });
  });
});
