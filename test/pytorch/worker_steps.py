"""Prints, as JSON, the steps of one epoch as train.py's workers take them (batches()): for each of
`--world` workers, per step, its rows' first input and the labelled counts it divides by.

usage: worker_steps.py PACKAGE_DIR --data PACK --world N [--epoch K] [--chunk-rows R]
[{"rows": [[...], ...], "counts": [...]}, ...] per worker, in rank order.
"""
import argparse
import json
import sys

import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
import train  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("package")
parser.add_argument("--data", required=True)
parser.add_argument("--world", type=int, required=True)
parser.add_argument("--epoch", type=int, default=1)
parser.add_argument("--chunk-rows", type=int)
args = parser.parse_args()
args.validation_data = args.validation_rows = None
if args.chunk_rows is not None:
    train.CHUNK_ROWS = args.chunk_rows

split, _ = train.load_data(args)
order = train.epoch_order(args.epoch, len(split))
workers = []
for rank in range(args.world):
    steps = train.batches(split, order, train.TRAIN["batch"], rank, args.world, torch.device("cpu"))
    workers.append([{"rows": inputs[0].tolist(), "counts": counts.tolist()} for (inputs, _), counts in steps])
print(json.dumps(workers))
