"""Checks the emitted SharedMemorySum against gloo's all-reduce on 3 local workers.

usage: shared_sum.py PACKAGE_DIR
Each worker sums the same series of random tensors (float32 and float64, of many shapes, one larger
than the buffers) both ways, once for each way SharedMemorySum's workers may meet (at the barrier;
by watching each other's counters, on x86); prints one JSON line with, for each way: how many sums
each worker made through shared memory, whether every worker got the same bits, and the largest
difference from gloo's sum and from the exact one.
"""
import json
import os
import socket
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, sys.argv[1])
import mtl_weighting  # noqa: E402
from mtl_weighting import SharedMemorySum, all_sum  # noqa: E402

WORLD = 3
CAPACITY = 1000


def tensors(rank):
    """The tensors worker `rank` sums, in order: its own values, the same shapes on every worker."""
    generator = torch.Generator().manual_seed(rank)
    # Buffers of CAPACITY float64: CAPACITY float64 or 2 CAPACITY float32 fit, 2 CAPACITY + 1 of either do not.
    shapes = [(7,), (3, 5), (CAPACITY,), (2 * CAPACITY + 1,), (2, 3, 4), (), (2 * CAPACITY,), (2 * CAPACITY,)] * 4
    return [torch.randn(shape, generator=generator, dtype=torch.float32 if k % 2 else torch.float64) for k, shape in enumerate(shapes)]


def worker(rank, port, watch, buffers, arrivals, barrier, results, calls):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    mtl_weighting.WATCH = watch
    mtl_weighting.local_sum = SharedMemorySum(rank, buffers, arrivals, barrier)
    mine = tensors(rank)
    shared = [all_sum(t.clone(), WORLD) for t in mine]
    calls[rank] = mtl_weighting.local_sum.calls
    mtl_weighting.local_sum = None
    gloo = [all_sum(t.clone(), WORLD) for t in mine]
    results[rank] = torch.cat([s.reshape(-1).double() for s in shared])
    results[WORLD + rank] = torch.cat([g.reshape(-1).double() for g in gloo])
    dist.destroy_process_group()


def run(watch):
    """Both sums on every worker, meeting by watching counters (watch) or at the barrier."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    context = torch.multiprocessing.get_context("spawn")
    buffers = torch.zeros(2, WORLD, CAPACITY, dtype=torch.float64).share_memory_()
    arrivals = torch.zeros(WORLD, dtype=torch.int64).share_memory_()
    barrier = context.Barrier(WORLD)
    total = sum(t.numel() for t in tensors(0))
    results = torch.zeros(2 * WORLD, total, dtype=torch.float64).share_memory_()
    calls = torch.zeros(WORLD, dtype=torch.int64).share_memory_()
    torch.multiprocessing.spawn(worker, args=(port, watch, buffers, arrivals, barrier, results, calls), nprocs=WORLD)
    shared, gloo = results[:WORLD], results[WORLD:]
    expected = sum(torch.cat([t.reshape(-1).double() for t in tensors(r)]) for r in range(WORLD))
    return {
        "sums_in_shared_memory": calls.tolist(),
        "same_on_every_worker": bool((shared == shared[0]).all()),
        "largest_difference_from_gloo": float((shared[0] - gloo[0]).abs().max()),
        "largest_difference_from_exact": float((shared[0] - expected).abs().max()),
    }


def main():
    # Watching counters is how workers meet where mtl_weighting.WATCH (x86); the barrier everywhere else.
    modes = {"barrier": False}
    if mtl_weighting.WATCH:
        modes["watching"] = True
    print(json.dumps({name: run(watch) for name, watch in modes.items()}))


if __name__ == "__main__":
    main()
