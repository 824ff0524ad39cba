"""Prints, as JSON, what a PyTorch-trained run's own model outputs on its training rows.

usage: predict_rows.py RUN_DIR/pytorch
Loads the package's model with the weights train.py wrote last, in evaluation mode, and runs it on
every row of the pack it trained on (data.mtlpack), scaled as train.py scales them: {"HEAD": [[...], ...]} per head.
"""
import json
import sys

import numpy as np
import torch

package = sys.argv[1]
sys.path.insert(0, package)
import model as emitted  # noqa: E402
from mtl_layers import read_keras_weights  # noqa: E402
from train import Split, read_pack, take  # noqa: E402

net = emitted.Model()
net.load_keras(read_keras_weights(package + "/weights.json", package + "/weights.bin"))
net.eval()
manifest, arrays = read_pack(package + "/data.mtlpack")
rows = Split(arrays, np.arange(manifest["rows"]), manifest)
inputs, _ = take(rows, np.arange(len(rows)), torch.device("cpu"))
with torch.no_grad():
    outputs = net(*inputs)
print(json.dumps({task["name"]: out.tolist() for task, out in zip(emitted.TASKS, outputs)}))
