"""Training steps per second: one network against a K-ensemble and a compiled one.

Run: python -m benchmarks.throughput [--widths 64 128 256] [--members 1 2 4 5]
     [--rounds 5] [--steps 5] [--compile-widths 64 256] [--threads 1]
     [--device cpu] [--out benchmarks/results/throughput]

One training step (a minibatch of 512 rows with D = 10 columns, MINDE-C's loss,
Adam, the EMA update) of one :class:`ScoreNetwork` and of :class:`EnsembleNetwork`
of K members, at each width, with ``--threads`` torch threads. Every variant is
timed for ``--steps`` steps in each of ``--rounds`` rounds, interleaved in one
process (the order rotates between rounds), so that machine load hits all alike; a
variant's cost is the median over rounds of its time per step divided by the
single network's in the same round. The compiled variant is the single network under
``torch.compile`` (forward and backward; Adam and the EMA stay eager); its cold
compile time is the first step's time less an eager step's, with an empty
inductor cache (about a minute per width on 2 shared cores, hence only at
``--compile-widths``). With ``--device cuda`` everything runs on the GPU and each
timing waits for the device (``torch.cuda.synchronize``); ``scripts/gpu_check.sh``
runs it so.

The one benchmark that does not go through the public API: it times the training
step itself, which no public function exposes, so it imports the package's private
modules (``_training``'s step functions, ``_ensemble``, ``_sde``, ``_variants``) and
has to follow them when they move.
"""

import argparse
import copy
import csv
import os
import tempfile
import time
from pathlib import Path

os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="inductor-cold-")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from sklearn_minde._ensemble import EnsembleNetwork  # noqa: E402
from sklearn_minde._sde import VPSDE  # noqa: E402
from sklearn_minde._training import (  # noqa: E402
    ema_update,
    init_network,
    stacked_training_step,
    training_step,
)
from sklearn_minde._variants import VARIANTS  # noqa: E402

D_X = D_Y = 5
BATCH = 512
N_BLOCKS, ACTIVATION = 2, "silu"
SDE = VPSDE(0.1, 20.0, 1e-3)
VARIANT = VARIANTS["c"]


class Trainee:
    """A network (``members=0``) or an ensemble of ``members`` networks, with its
    Adam, EMA and random streams; ``step()`` runs one training step as a fit does:
    ``_training.training_step``, or ``_training.stacked_training_step`` with one
    generator per member (a fit with ``stack_networks=True``)."""

    def __init__(self, network, members, x, y):
        network = network.to(x.device)
        self.network, self.members, self.x = network, members, x
        self.ema = copy.deepcopy(network).requires_grad_(False)
        self.params = list(network.parameters())
        self.ema_params = list(self.ema.parameters())
        self.optimizer = torch.optim.Adam(self.params, lr=1e-3, fused=True)
        gens = [
            torch.Generator(device=x.device).manual_seed(k)
            for k in range(max(members, 1))
        ]
        rows = (x, y, x[:, :0])  # no conditioning variable
        if members:
            self.args = (self.optimizer, [rows] * members, BATCH, SDE, VARIANT, gens)
        else:
            self.args = (self.optimizer, *rows, BATCH, SDE, VARIANT, gens[0])

    def step(self):
        """One Adam step and EMA update."""
        step = stacked_training_step if self.members else training_step
        step(self.network, *self.args)
        ema_update(self.ema_params, self.params, 0.999)


def trainees(width, members, compile_network, device):
    """The variants at one width: name -> (Trainee, members, cold compile s)."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4096, D_X, generator=g)
    y = x + torch.randn(4096, D_Y, generator=g)
    x, y = x.to(device), y.to(device)
    nets = [
        init_network(D_X + D_Y, width, N_BLOCKS, ACTIVATION, 0, member=k)
        for k in range(max(members))
    ]
    out = {"network": (Trainee(nets[0], 0, x, y), 1, None)}
    for k in members:
        ensemble = EnsembleNetwork.from_networks(nets[:k])
        out[f"ensemble K={k}"] = (Trainee(ensemble, k, x, y), k, None)
    for trainee, _, _ in out.values():
        trainee.step()  # warm-up
    if compile_network:
        eager = time_steps(out["network"][0], 3)
        trainee = Trainee(torch.compile(copy.deepcopy(nets[0])), 0, x, y)
        cold = time_steps(trainee, 1) - eager
        out["network, compiled"] = (trainee, 1, cold)
    return out


def time_steps(trainee, n_steps):
    """Seconds per step over ``n_steps`` steps (waiting for a CUDA device)."""
    sync = torch.cuda.synchronize if trainee.x.is_cuda else (lambda: None)
    sync()
    start = time.perf_counter()
    for _ in range(n_steps):
        trainee.step()
    sync()
    return (time.perf_counter() - start) / n_steps


def measure(width, args):
    """Rows of the results table at one width."""
    variants = trainees(
        width, args.members, width in args.compile_widths, torch.device(args.device)
    )
    names = list(variants)
    times = {name: [] for name in names}
    for r in range(args.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(time_steps(variants[name][0], args.steps))
    base = np.array(times["network"])
    rows = []
    for name in names:
        ratio = np.array(times[name]) / base
        cost = float(np.median(ratio))
        rows.append(
            {
                "width": width,
                "variant": name,
                "members": variants[name][1],
                "steps_per_s": round(float(np.median(1 / np.array(times[name]))), 1),
                "cost_vs_one_network": round(cost, 2),
                "cost_min": round(float(ratio.min()), 2),
                "cost_max": round(float(ratio.max()), 2),
                "cost_per_member": round(cost / variants[name][1], 2),
                "cold_compile_s": (
                    None if variants[name][2] is None else round(variants[name][2], 1)
                ),
            }
        )
        print(rows[-1], flush=True)
    return rows


def markdown(rows, args):
    """The results as a markdown table with the run's settings."""
    lines = [
        f"Steps per second, batch {BATCH}, D = {D_X + D_Y}, {N_BLOCKS} blocks, "
        f"torch {torch.__version__}, device {args.device}, {args.threads} torch "
        f"thread(s); {args.rounds} "
        "interleaved rounds of "
        f"{args.steps} steps per variant (cost: median over rounds of the time per "
        "step relative to one network in the same round, [min, max]).",
        "",
        "| width | variant | steps/s | cost vs one network | per member "
        "| cold compile (s) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        compile_s = "" if r["cold_compile_s"] is None else f"{r['cold_compile_s']}"
        lines.append(
            f"| {r['width']} | {r['variant']} | {r['steps_per_s']} "
            f"| {r['cost_vs_one_network']} [{r['cost_min']}, {r['cost_max']}] "
            f"| {r['cost_per_member']} | {compile_s} |"
        )
    return "\n".join(lines) + "\n"


def main():
    """Measure, print and write ``throughput.md`` and ``throughput.csv``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--members", type=int, nargs="+", default=[1, 2, 4, 5])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--compile-widths", type=int, nargs="*", default=[64, 256])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1...")
    parser.add_argument("--out", default="benchmarks/results/throughput")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    rows = [row for width in args.widths for row in measure(width, args)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "throughput.md").write_text(markdown(rows, args))
    with open(out / "throughput.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(markdown(rows, args))
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
