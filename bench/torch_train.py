"""The training benchmarks' models in PyTorch: what a user would pick instead of mtl.

Run by `npm run bench` (bench/train.ts) when `/usr/bin/python3 -c "import torch"` works; on
Debian: `apt-get install -y python3-torch libopenblas0-pthread`. Same models, batch sizes,
optimizer (Adam, lr 0.001) and loss (each head's masked categorical cross-entropy, mean over
labelled rows, summed over heads) as bench/models.ts; random data from a fixed seed. Prints one
JSON object per model on stdout: samples per second of wall time and of process CPU time, the
best of three timings of all steps, after warm-up. With --workers N, N processes train each model
under DistributedDataParallel (gloo on 127.0.0.1), each on its share of every batch, as a user of
PyTorch would spread it over local cores (npm run bench:pytorch compares that with mtl's workers);
with --no-exchange too, the N processes exchange nothing: the bound of any data-parallel training.

    /usr/bin/python3 bench/torch_train.py --models seed,wide,mmoe --steps 60 --threads 1 [--workers 2 [--no-exchange]]
"""
import argparse
import json
import os
import socket
import time

import torch
import torch.distributed as dist
from torch import nn

EPS = 1e-7


class SharedBottom(nn.Module):
    """x -> dense trunk (relu) -> one softmax head per task."""

    def __init__(self, inputs, hidden, heads):
        super().__init__()
        layers, width = [], inputs
        for units in hidden:
            layers += [nn.Linear(width, units), nn.ReLU()]
            width = units
        self.trunk = nn.Sequential(*layers)
        self.heads = nn.ModuleList(nn.Linear(width, units) for units in heads)

    def forward(self, x):
        h = self.trunk(x)
        return [torch.softmax(head(h), dim=-1) for head in self.heads]


class MMoE(nn.Module):
    """Ma et al. (2018): k experts, a softmax gate per head, the gate-weighted sum of experts."""

    def __init__(self, inputs, experts, expert_units, heads):
        super().__init__()
        def expert():
            layers, width = [], inputs
            for units in expert_units:
                layers += [nn.Linear(width, units), nn.ReLU()]
                width = units
            return nn.Sequential(*layers)
        self.experts = nn.ModuleList(expert() for _ in range(experts))
        self.gates = nn.ModuleList(nn.Linear(inputs, experts) for _ in heads)
        self.heads = nn.ModuleList(nn.Linear(expert_units[-1], units) for units in heads)

    def forward(self, x):
        stack = torch.stack([e(x) for e in self.experts], dim=1)  # [b, k, d]
        outputs = []
        for gate, head in zip(self.gates, self.heads):
            weights = torch.softmax(gate(x), dim=-1).unsqueeze(1)  # [b, 1, k]
            mixed = torch.bmm(weights, stack).squeeze(1)
            outputs.append(torch.softmax(head(mixed), dim=-1))
        return outputs


MODELS = {
    'seed': (lambda: SharedBottom(100, [64], [10, 5]), 32),
    'wide': (lambda: SharedBottom(100, [256, 256], [10, 5]), 256),
    'mmoe': (lambda: MMoE(100, 8, [68, 68], [10, 5]), 256),
}


def masked_loss(y, p, mask):
    """mtl's masked categorical cross-entropy: Σ mask · CE / max(Σ mask, 1)."""
    per_row = -(y * p.clamp(EPS, 1 - EPS).log()).sum(-1)
    return (per_row * mask).sum() / mask.sum().clamp(min=1)


def bench(name, steps, warmup, rank=0, world=1, exchange=True):
    """One process's run; with world > 1, rank's share of each batch under DistributedDataParallel
    (the global batch the same), and the timings are of every process together. Without exchange,
    the world's processes train on their shares alone, each its own model: the bound of any way of
    spreading a batch over processes, what they would do if exchanging gradients cost nothing."""
    make, batch = MODELS[name]
    torch.manual_seed(42)
    model = make()
    if world > 1 and exchange:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    n = batch * steps
    x = torch.rand(n, 100) * 2 - 1
    labels = [nn.functional.one_hot(torch.randint(0, u, (n,)), u).float() for u in (10, 5)]
    mask = torch.ones(n)
    share = batch // world

    def run(count):
        if world > 1 and exchange:
            dist.barrier()
        for i in range(count):
            rows = slice((i % steps) * batch + rank * share, (i % steps) * batch + (rank + 1) * share)
            optimizer.zero_grad(set_to_none=True)
            outputs = model(x[rows])
            loss = sum(masked_loss(y[rows], p, mask[rows]) for y, p in zip(labels, outputs))
            loss.backward()
            optimizer.step()

    run(warmup)
    best, best_cpu = float('inf'), float('inf')
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        run(steps)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return {'model': name, 'batch': batch, 'steps': steps, 'seconds': best, 'samples_per_s': n / best,
            'cpu_seconds': best_cpu, 'samples_per_cpu_s': n / best_cpu}


def ddp_worker(rank, world, port, args, results):
    """One of --workers processes on gloo at 127.0.0.1 (with --no-exchange, on nothing); rank 0 puts
    its results in results."""
    exchange = not args.no_exchange
    if exchange:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(args.threads)
    for name in args.models.split(","):
        result = bench(name, args.steps, args.warmup, rank, world, exchange)
        if rank == 0:
            results.append(dict(result, threads=torch.get_num_threads(), torch=torch.__version__, workers=world))
    if exchange:
        dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--models', default='seed,wide,mmoe')
    parser.add_argument('--steps', type=int, default=60)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--workers', type=int, default=1, help='processes under DistributedDataParallel (gloo)')
    parser.add_argument('--no-exchange', action='store_true', help='the workers exchange nothing (a bound, not training)')
    args = parser.parse_args()
    if args.workers > 1:
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        results = torch.multiprocessing.Manager().list()
        torch.multiprocessing.spawn(ddp_worker, args=(args.workers, port, args, results), nprocs=args.workers)
        for result in results:
            print(json.dumps(result), flush=True)
        return
    torch.set_num_threads(args.threads)
    for name in args.models.split(','):
        result = bench(name, args.steps, args.warmup)
        result.update(threads=torch.get_num_threads(), torch=torch.__version__)
        print(json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
