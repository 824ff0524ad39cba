"""Prints, as JSON, the rows train.py's workers train and validate on, scaled as they read them.

usage: worker_rows.py PACKAGE_DIR --data PACK [--validation-rows ROWS | --validation-data PACK]
{"train": {"input/x": [...], "label/h": [...], "mask/h": [...]}, "validation": {...} or null}, each
array flattened row-major, every float32 printed as the double it is.
"""
import argparse
import json
import sys

import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
from train import load_data, take  # noqa: E402
import model as emitted  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("package")
parser.add_argument("--data", required=True)
parser.add_argument("--validation-rows")
parser.add_argument("--validation-data")
args = parser.parse_args()


def arrays(split):
    if split is None:
        return None
    inputs, labels = take(split, np.arange(len(split)), torch.device("cpu"))
    out = {"input/" + i["name"]: x.reshape(-1).tolist() for i, x in zip(emitted.INPUTS, inputs)}
    for task, (y, mask) in zip(emitted.TASKS, labels):
        out["label/" + task["name"]] = y.reshape(-1).tolist()
        out["mask/" + task["name"]] = mask.reshape(-1).tolist()
    return out


train, validation = load_data(args)
print(json.dumps({"train": arrays(train), "validation": arrays(validation)}))
