import { describe, expect, it } from 'vitest';
import { check, compileText } from '../../helpers/check.js';

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
      { code: 'MTL0501', range: '10:5-10:14', message: 'unknown train option "batchsize"', hint: 'did you mean "batch"?' },
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

describe('what check can know without data', () => {
  it('says that an integer option written with a decimal point must be written as an integer', () => {
    expect(check('model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  train { epochs: 64.0, batch: 0.0 }\n}\n')).toEqual([
      { code: 'MTL0503', range: '4:19-4:23', message: 'option "epochs" must be written as an integer, got 64.0', hint: 'write 64' },
      { code: 'MTL0503', range: '4:32-4:35', message: 'option "batch" must be an integer >= 1, got 0' },
    ]);
  });

  it('suggests the names Keras and PyTorch users write for options and arguments', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  train { optimizer: adam(learning_rate: 0.01), batch_size: 8, patience: 3 }\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0201', range: '4:27-4:40', message: 'adam has no argument "learning_rate"', hint: 'did you mean "lr"?' },
      { code: 'MTL0501', range: '4:49-4:59', message: 'unknown train option "batch_size"', hint: 'did you mean "batch"?' },
      { code: 'MTL0501', range: '4:64-4:72', message: 'unknown train option "patience"', hint: 'did you mean "early_stop"?' },
    ]);
  });

  it('lists the methods there are when an unknown one resembles none', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> classify(3) { loss: focal }\n  train { optimizer: lbfgs }\n  weighting nash\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0506', range: '3:37-3:42', message: 'unknown loss "focal"', hint: 'a classify head takes categorical_crossentropy' },
      {
        code: 'MTL0506',
        range: '4:22-4:27',
        message: 'unknown optimizer "lbfgs"',
        hint: 'the optimizer is one of adam, adamw, sgd, rmsprop',
      },
      {
        code: 'MTL0506',
        range: '5:13-5:17',
        message: 'unknown weighting method "nash"',
        hint: 'the weighting method is one of fixed, uncertainty, gradnorm, dwa, pcgrad, mgda',
      },
    ]);
  });

  it('reports task weights that are all 0, at the first, as one error', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head a = x -> regress(1)\n  head b = x -> regress(1)\n  weights { a: 0, b: search(0, 0.0) }\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0511', range: '5:16-5:17', message: 'every task weight is 0: the total loss is 0 and nothing would be trained' },
      { code: 'MTL0905', range: '5:22-5:36', message: 'search(...) has one candidate, 0: mtlc tune has nothing to choose' },
    ]);
    expect(
      check('model M {\n  input x: float[4]\n  head a = x -> regress(1)\n  head b = x -> regress(1)\n  weights { a: 0, b: 0.5 }\n}\n'),
    ).toEqual([]);
  });

  it('warns about a search() with one candidate', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head a = x -> regress(1)\n  head b = x -> regress(1)\n  weights { a: 1, b: search(0.5) }\n}\n',
      ),
    ).toEqual([{ code: 'MTL0905', range: '5:22-5:33', message: 'search(...) has one candidate, 0.5: mtlc tune has nothing to choose' }]);
  });

  it('takes normalize on regress heads only', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head a = x -> regress(1) { normalize: false }\n  head b = x -> binary() { normalize: false }\n}\n',
      ),
    ).toEqual([{ code: 'MTL0503', range: '4:39-4:44', message: 'option "normalize" must be used with regress only, got false' }]);
    expect(
      compileText('model M {\n  input x: float[4]\n  head a = x -> regress(1) { normalize: false }\n}\n').models[0]!.heads[0]!.task
        .normalize,
    ).toBe(false);
  });

  it("reports a from list whose length is not the input's size, on the input's line", () => {
    expect(
      check(
        'model M {\n  input x: float[3] from ["a", "b"]\n  input k: category(3) from ["c", "d"]\n  head h = concat(x, k) -> regress(1)\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0304', range: '2:26-2:36', message: 'input "x" lists 2 columns but holds 3 values' },
      { code: 'MTL0304', range: '3:29-3:39', message: 'input "k" lists 2 columns but holds 1 value' },
    ]);
  });
});

describe('data', () => {
  it('checks data paths, formats and option names', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  data { train: "a.csv", test: 3, format: avro, valid: "b.csv" }\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0503', range: '4:32-4:33', message: 'option "test" must be a string, got 3' },
      { code: 'MTL0204', range: '4:43-4:47', message: 'unknown data format "avro"' },
      { code: 'MTL0501', range: '4:49-4:54', message: 'unknown data option "valid"' },
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
      { code: 'MTL0506', range: '4:36-4:48', message: 'unknown loss "crossentropy"', hint: 'a regress head takes mse, mae, huber' },
      { code: 'MTL0503', range: '4:59-4:64', message: 'option "classes" must be used with classify, binary or tag only, got a list' },
      { code: 'MTL0507', range: '5:34-5:37', message: 'loss "mse" does not fit a binary head: use binary_crossentropy' },
      { code: 'MTL0508', range: '5:49-5:52', message: 'metric "mae" does not fit a binary head: use accuracy, auc, precision, recall, f1' },
    ]);
  });
});
