import { describe, expect, it } from 'vitest';
import { check } from '../../helpers/check.js';

describe('train', () => {
  it('accepts every train option of the spec', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  train {\n    optimizer: adamw(lr: 0.01, decay: 0.001)\n    epochs: 5, batch: 16\n    validation: 0.25\n    early_stop: 2\n    seed: 3\n    shuffle: false\n    select: "h.mae"\n  }\n}\n',
      ),
    ).toEqual([]);
  });

  it('reports each wrong train option at its value', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  train {\n    optimizer: adma(lr: 0.01)\n    epochs: 2.5\n    validation: 1.5\n    shuffle: 1\n    select: "g.mae"\n    batchsize: 3\n  }\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0506', range: '5:16-5:20', message: 'unknown optimizer "adma"', hint: 'did you mean "adam"?' },
      { code: 'MTL0503', range: '6:13-6:16', message: 'option "epochs" must be an integer >= 1, got 2.5' },
      { code: 'MTL0503', range: '7:17-7:20', message: 'option "validation" must be a number in [0, 1), got 1.5' },
      { code: 'MTL0503', range: '8:14-8:15', message: 'option "shuffle" must be true or false, got 1' },
      {
        code: 'MTL0503',
        range: '9:13-9:20',
        message: 'option "select" must be a "head.metric" naming a head, got "g.mae"',
        hint: 'did you mean "h"?',
      },
      { code: 'MTL0501', range: '10:5-10:14', message: 'unknown train option "batchsize"' },
    ]);
  });

  it('reports optimizers, metrics and repeated options', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  train {\n    optimizer: 0.1\n    select: "h.speed"\n    validation: "val.csv"\n    optimizer: sgd(momentum: 1.5)\n  }\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0503', range: '5:16-5:19', message: 'option "optimizer" must be an optimizer such as adam(lr: 0.001), got 0.1' },
      {
        code: 'MTL0503',
        range: '6:13-6:22',
        message: 'option "select" must be a metric (loss, accuracy, auc, precision, recall, f1, mse, mae, rmse, r2), got "speed"',
      },
      { code: 'MTL0502', range: '8:5-8:14', message: 'option "optimizer" is given more than once' },
    ]);
  });
});

describe('train { select } and early_stop', () => {
  it("takes any metric of the head's kind, listed in metrics or not", () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head cyl = x -> classify(5) { metrics: [accuracy] }\n  train { select: "cyl.f1", validation: 0.2 }\n}\n',
      ),
    ).toEqual([]);
  });

  it("reports a metric that does not exist for the head's kind at the metric inside the string", () => {
    expect(
      check('model M {\n  input x: float[4]\n  head origin = x -> classify(3)\n  train { select: "origin.r2", validation: 0.2 }\n}\n'),
    ).toEqual([
      {
        code: 'MTL0508',
        range: '4:27-4:29',
        message: 'metric "r2" does not fit a classify head: use accuracy, auc, precision, recall, f1',
      },
    ]);
  });

  it('warns that nothing is selected without validation data, for select and for early_stop', () => {
    const hint = 'hold out validation rows: validation: 0.2 in train { }, or data { validation: "FILE" }';
    expect(check('model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  train { select: "h.mae", early_stop: 3 }\n}\n')).toEqual([
      {
        code: 'MTL0904',
        range: '4:11-4:17',
        message: '"select" has no validation data to watch: nothing will be selected, and the model keeps its last epoch',
        hint,
      },
      {
        code: 'MTL0904',
        range: '4:28-4:38',
        message: '"early_stop" has no validation data to watch: it watches the training loss instead',
        hint,
      },
    ]);
  });

  it('does not warn when data { validation } names a file', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  train { select: "h.mae", early_stop: 3 }\n  data { validation: "val.csv" }\n}\n',
      ),
    ).toEqual([]);
  });
});

describe('data', () => {
  it('checks data paths, formats and option names', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  data { train: "a.csv", test: 3, format: parquet, valid: "b.csv" }\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0503', range: '4:32-4:33', message: 'option "test" must be a string, got 3' },
      { code: 'MTL0204', range: '4:43-4:50', message: 'unknown data format "parquet"' },
      { code: 'MTL0501', range: '4:52-4:57', message: 'unknown data option "valid"' },
    ]);
  });
});

describe('head options', () => {
  it('accepts labels, classes, losses and metrics that fit the task', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head a = x -> classify(3) { label: "kind", classes: ["a", "b", "c"], metrics: [accuracy, f1, accuracy] }\n  head b = x -> regress(2) { loss: huber(0.5), metrics: [mae, rmse] }\n  head c = x -> binary() { classes: ["no", "yes"] }\n}\n',
      ),
    ).toEqual([]);
  });

  it('fits losses, metrics and classes to the task layer', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head a = x -> classify(3) { label: 3, classes: ["a", 2, "c"], metrics: accurcy, lable: "x" }\n  head b = x -> regress(2) { loss: crossentropy, classes: ["a"] }\n  head c = x -> binary() { loss: mse, metrics: [mae] }\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0503', range: '3:38-3:39', message: 'option "label" must be a string, got 3' },
      { code: 'MTL0503', range: '3:50-3:63', message: 'option "classes" must be a list of strings, got a list' },
      {
        code: 'MTL0508',
        range: '3:74-3:81',
        message: 'metric "accurcy" does not fit a classify head: use accuracy, auc, precision, recall, f1',
        hint: 'did you mean "accuracy"?',
      },
      { code: 'MTL0501', range: '3:83-3:88', message: 'unknown head option "lable"', hint: 'did you mean "label"?' },
      { code: 'MTL0506', range: '4:36-4:48', message: 'unknown loss "crossentropy"' },
      { code: 'MTL0503', range: '4:59-4:64', message: 'option "classes" must be used with classify, binary or tag only, got a list' },
      { code: 'MTL0507', range: '5:34-5:37', message: 'loss "mse" does not fit a binary head: use binary_crossentropy' },
      { code: 'MTL0508', range: '5:49-5:52', message: 'metric "mae" does not fit a binary head: use accuracy, auc, precision, recall, f1' },
    ]);
  });
});
