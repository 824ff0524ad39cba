"""Runs an emitted PyTorch model on one batch, for test/pytorch/same-function.test.ts.

usage: same_function.py CASES.json
CASES.json lists {"package", "case", "training"}, one per model, all run in this one process
(importing torch once). A package holds model.py and mtl_layers.py; a case directory holds, as
weights file pairs (mtl_layers.py), weights.json/.bin (the TensorFlow.js initial weights) and
batch.json/.bin ("input/NAME", "label/HEAD", "mask/HEAD", "lambda/HEAD").
Writes, per case, torch.json/.bin: "output/HEAD", "loss/HEAD" (the masked mean), and "grad/LAYER": the
gradient of the total loss sum(lambda * loss) for every layer's weights, in Keras' layout.
"""
import importlib.util
import json
import sys

import numpy as np
import torch


def run(number, package, case, training):
    # Every package's mtl_layers.py is the same file; each model.py is loaded under its own name.
    sys.path.insert(0, package)
    from mtl_layers import masked_loss, read_keras_weights, write_keras_weights

    spec = importlib.util.spec_from_file_location("model_%d" % number, package + "/model.py")
    emitted = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(emitted)
    net = emitted.Model()
    net.load_keras(read_keras_weights(case + "/weights.json", case + "/weights.bin"))
    net.train(training)
    batch = read_keras_weights(case + "/batch.json", case + "/batch.bin")

    def tensor(name, dtype):
        return torch.from_numpy(np.array(batch[name][0])).to(dtype)

    torch.manual_seed(0)
    inputs = [tensor("input/" + i["name"], torch.int64 if i["dtype"] == "int32" else torch.float32) for i in emitted.INPUTS]
    outputs = net(*inputs)
    result = {}
    total = torch.zeros(())
    for task, output in zip(emitted.TASKS, outputs):
        name = task["name"]
        loss_sum, count = masked_loss(task, tensor("label/" + name, torch.float32), output, tensor("mask/" + name, torch.float32))
        mean = loss_sum / torch.clamp(count, min=1)
        total = total + float(batch["lambda/" + name][0][0]) * mean
        result["output/" + name] = [output.detach().numpy()]
        result["loss/" + name] = [mean.detach().numpy().reshape(1)]
    total.backward()
    # Gradients in Keras' layout: put each gradient where its parameter was, and let keras_weights
    # convert them as it converts the weights.
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.copy_(parameter.grad if parameter.grad is not None else torch.zeros_like(parameter))
    for layer, arrays in net.keras_weights().items():
        result["grad/" + layer] = arrays
    write_keras_weights(result, case + "/torch.json", case + "/torch.bin")


with open(sys.argv[1]) as f:
    for number, item in enumerate(json.load(f)):
        run(number, item["package"], item["case"], item["training"])
