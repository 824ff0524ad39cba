import { describe, expect, it } from 'vitest';
import { sortClasses, withDataClasses } from '../../runtime/data/classes.js';
import { floatInput, head, model } from './fixture.js';

const csv = (...lines: string[]) => ({ name: 'data.csv', text: `${lines.join('\n')}\n` });

describe('classes from the training data', () => {
  it('orders numbers by value and other labels by code point', () => {
    expect(sortClasses(['8', '10', '3', '4.5'])).toEqual(['3', '4.5', '8', '10']);
    expect(sortClasses(['b', 'B', 'a', '10'])).toEqual(['10', 'B', 'a', 'b']);
  });

  it('leaves heads whose labels are already ids (or 0/1) as they are', async () => {
    const m = model('M', [floatInput('x', [1])], [head('c', 'classify', 3), head('b', 'binary', 1)]);
    expect(await withDataClasses(m, csv('x,c,b', '1,0,1', '2,2,0', '3,,true'), 'csv')).toBe(m);
  });

  it('takes binary, classify and multilabel classes from the labels, missing cells left out', async () => {
    const m = model('M', [floatInput('x', [1])], [head('b', 'binary', 1), head('c', 'classify', 3), head('m', 'multilabel', 3)]);
    const learned = await withDataClasses(m, csv('x,b,c,m', '1,yes,cat,red;blue', '2,no,dog,', '3,,emu,green'), 'csv');
    expect(learned.heads.map((h) => h.task.classes)).toEqual([
      ['no', 'yes'],
      ['cat', 'dog', 'emu'],
      ['blue', 'green', 'red'],
    ]);
  });

  it('reads JSONL labels, lists included', async () => {
    const m = model('M', [floatInput('x', [1])], [head('t', 'multilabel', 2)]);
    const source = { name: 'data.jsonl', text: '{"x": 1, "t": ["p", "q"]}\n{"x": 2, "t": ["q"]}\n' };
    expect((await withDataClasses(m, source, 'jsonl')).heads[0]!.task.classes).toEqual(['p', 'q']);
  });
});
