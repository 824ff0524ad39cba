#!/usr/bin/env node
/**
 * Writes the example data sets from the `vega-datasets` npm package (a dev dependency):
 *   examples/data/penguins.csv  species, island, beak_length_mm, beak_depth_mm, flipper_length_mm, body_mass_kg, sex
 *   examples/data/cars.csv      name, miles_per_gallon, cylinders, displacement, horsepower, weight_in_lbs,
 *                               acceleration, year, origin
 *   examples/data/LICENSE.md    where the data comes from and under which terms
 *
 * Rows missing a feature are dropped (the count is printed). Missing labels are kept as empty
 * cells: penguin `sex` and car `miles_per_gallon` have gaps, and those partially labelled rows are
 * what the multi-task examples are about. Plain Node JS so it runs without a build:
 *   node scripts/convert-vega-data.mjs
 */
import { readFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'examples', 'data');

/** The installed vega-datasets package directory (its exports map hides package.json). */
function vegaDir() {
  const require = createRequire(path.join(root, 'package.json'));
  let dir = path.dirname(require.resolve('vega-datasets'));
  while (!readFileSafe(path.join(dir, 'package.json'))?.includes('"name": "vega-datasets"')) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the vega-datasets package; run npm install');
    dir = parent;
  }
  return dir;
}

function readFileSafe(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function csvCell(value) {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function writeAtomic(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/**
 * columns: [outputName, read(record)] pairs. features: output names that must be present.
 * Returns counts for the report.
 */
function convert(records, columns, features, file) {
  const lines = [columns.map(([name]) => name).join(',')];
  let dropped = 0;
  const missingLabels = {};
  for (const record of records) {
    const row = columns.map(([name, read]) => [name, read(record)]);
    if (row.some(([name, v]) => features.includes(name) && (v === null || v === undefined))) {
      dropped++;
      continue;
    }
    for (const [name, v] of row) {
      if (!features.includes(name) && (v === null || v === undefined)) missingLabels[name] = (missingLabels[name] ?? 0) + 1;
    }
    lines.push(row.map(([, v]) => csvCell(v)).join(','));
  }
  writeAtomic(file, `${lines.join('\n')}\n`);
  return { written: lines.length - 1, dropped, missingLabels };
}

function report(name, { written, dropped, missingLabels }, extra = '') {
  const gaps =
    Object.entries(missingLabels)
      .map(([k, v]) => `${v} without ${k}`)
      .join(', ') || 'none';
  console.log(`${name}: ${written} rows written, ${dropped} dropped for a missing feature; label gaps kept: ${gaps}${extra}`);
}

const vega = vegaDir();
const load = (name) => JSON.parse(readFileSync(path.join(vega, 'data', name), 'utf8'));
mkdirSync(outDir, { recursive: true });

// Penguins. One record has sex "." (a data-entry placeholder in palmerpenguins): it is written as
// missing, like the records whose sex is null.
let placeholderSex = 0;
const penguins = convert(
  load('penguins.json'),
  [
    ['species', (r) => r['Species']],
    ['island', (r) => r['Island']],
    ['beak_length_mm', (r) => r['Beak Length (mm)']],
    ['beak_depth_mm', (r) => r['Beak Depth (mm)']],
    ['flipper_length_mm', (r) => r['Flipper Length (mm)']],
    // Kilograms keep the regression target near unit scale, as a squared-error loss trains best.
    ['body_mass_kg', (r) => (r['Body Mass (g)'] == null ? null : r['Body Mass (g)'] / 1000)],
    [
      'sex',
      (r) => {
        if (r['Sex'] === 'MALE' || r['Sex'] === 'FEMALE') return r['Sex'];
        if (r['Sex'] !== null && r['Sex'] !== undefined) placeholderSex++;
        return null;
      },
    ],
  ],
  ['species', 'island', 'beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_kg'],
  path.join(outDir, 'penguins.csv'),
);
report('examples/data/penguins.csv', penguins, placeholderSex > 0 ? ` (including ${placeholderSex} with the placeholder sex ".")` : '');

// Cars. Year is stored as a date ("1970-01-01"); the model year is all that is meaningful.
const cars = convert(
  load('cars.json'),
  [
    ['name', (r) => r['Name']],
    ['miles_per_gallon', (r) => r['Miles_per_Gallon']],
    ['cylinders', (r) => r['Cylinders']],
    ['displacement', (r) => r['Displacement']],
    ['horsepower', (r) => r['Horsepower']],
    ['weight_in_lbs', (r) => r['Weight_in_lbs']],
    ['acceleration', (r) => r['Acceleration']],
    ['year', (r) => (typeof r['Year'] === 'string' ? Number(r['Year'].slice(0, 4)) : r['Year'])],
    ['origin', (r) => r['Origin']],
  ],
  ['name', 'cylinders', 'displacement', 'horsepower', 'weight_in_lbs', 'acceleration', 'year', 'origin'],
  path.join(outDir, 'cars.csv'),
);
report('examples/data/cars.csv', cars);

// The license notes, taken from the package's own data package metadata.
const meta = JSON.parse(readFileSync(path.join(vega, 'datapackage.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(vega, 'package.json'), 'utf8'));
const resource = (name) => meta.resources.find((r) => r.name === name);
const links = (list) => (list ?? []).map((x) => `[${x.title ?? x.name}](${x.path})`).join('; ');
const section = (file, name, converted) => {
  const r = resource(name);
  return [
    `## ${file}`,
    '',
    `Converted from \`data/${r.path}\` of the npm package \`vega-datasets\` ${pkg.version} by \`scripts/convert-vega-data.mjs\`: ${converted}`,
    '',
    r.description.trim().replace(/\s*\n\s*/g, ' '),
    '',
    `- License: ${links(r.licenses)}`,
    `- Sources: ${links(r.sources)}`,
    '',
  ].join('\n');
};
const license = [
  '# Example data: origin and license',
  '',
  'The files in this folder are generated; do not edit them by hand. Each data set keeps the license of its',
  'original source, as recorded in the `vega-datasets` package metadata (`datapackage.json`). The',
  'vega-datasets package notes that this metadata is "a reference starting point only and is provided',
  'without any warranty of accuracy or completeness"; its own code is under the BSD-3-Clause license.',
  '',
  section(
    'penguins.csv',
    'penguins',
    'columns renamed to snake_case; rows without a measurement or island dropped; a missing `sex` (null or the placeholder ".") is an empty cell. ' +
      'The Palmer penguins data (Horst, Hill & Gorman, 2020, palmerpenguins R package) is released under CC0 1.0 Universal.',
  ),
  section(
    'cars.csv',
    'cars',
    'columns renamed to snake_case; `year` reduced to the model year; rows without horsepower dropped; a missing `miles_per_gallon` is an empty cell. ' +
      'This is the StatLib "cars" (Auto MPG) data set, originally distributed in 1982 for educational and scientific purposes.',
  ),
].join('\n');
writeAtomic(path.join(outDir, 'LICENSE.md'), license);
console.log('examples/data/LICENSE.md written');
