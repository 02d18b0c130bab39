"""Study: two networks trained on disjoint halves of the training rows, read together.

Run: python -m benchmarks.studies.split_networks [--cases ...] [--seeds 0]
[--out split_networks.jsonl] | --summary split_networks.jsonl

``n_networks=2`` reads MINDE-C's integral as the inner product of the two networks'
differences of noise predictions (``_variants.pair_norm``): the variance of their
independent errors drops out, but both fit the same training rows, so the part of
their error that follows those rows' noise stays, and wide data read high. Here the
two networks train on disjoint halves (rows 0, 2, 4, ... and 1, 3, 5, ... of the
training rows), every other setting the default's. Three settings per case: "one"
(``n_networks=1``), "two" (``n_networks=2``, the same rows) and "halves".

Each row records the estimate as the package reads it and with its finite-sample
correction ``d_x d_y / (2 n_train)`` added back ("uncorrected"): the correction
stands for the training-noise bias of a squared norm, which the halves' inner
product should not carry.

Uses the package's private functions (a one-off study, not part of the suite).
"""

import time
import warnings

import torch

import sklearn_minde._fit as fit_module
from benchmarks.high_mi import StaircaseData
from benchmarks.studies._cli import study_parser, summarise_or_run
from benchmarks.suite.tasks import TaskData
from sklearn_minde import MINDEEstimator

N = 10_000
CASES = (
    "staircase-20-20-1",
    "staircase-20-20-2",
    "multinormal-sparse-25-25-2-2.0",
    "spiral-multinormal-sparse-5-5-2-2.0",
    "staircase-5-5-8",
)
SETTINGS = ("one", "two", "halves")


def sample(case, seed):
    """``(x, y, true MI)`` of a case: a staircase Gaussian of this repository's
    benchmark or a benchmark-mi task, standardised, ``N`` rows."""
    if case.startswith("staircase-"):
        _, dim, _, mi = case.split("-")
        data, info = StaircaseData(int(dim), float(mi), "none", seed, N).draw()
    else:
        data, info = TaskData(case, seed, N).draw()
    return data.x_fit, data.y_fit, info["true_mi"]


def split_prepare(prepare):
    """``prepare`` whose jobs train on disjoint shares of their member's training
    rows: network k of K on rows k, k + K, k + 2K, ..."""

    def wrapped(params, X, y, z_columns):
        prepared = prepare(params, X, y, z_columns)
        k = prepared.settings.n_networks
        for i, job in enumerate(prepared.jobs):
            rows = torch.arange(i % k, job.data[0].shape[0], k)
            job.data = (*(a[rows] for a in job.data[:3]), *job.data[3:])
        return prepared

    return wrapped


def fit(x, y, setting, seed, **params):
    """The fitted estimator of one setting (``params``: more MINDEEstimator
    parameters, the defaults by default)."""
    params = dict(params, random_state=seed, n_networks=1 if setting == "one" else 2)
    original = fit_module.prepare
    if setting == "halves":
        fit_module.prepare = split_prepare(original)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return MINDEEstimator(**params).fit(x, y)
    finally:
        fit_module.prepare = original


def rows(args):
    """One row per case, seed and setting."""
    for seed in args.seeds:
        for case in args.cases:
            x, y, truth = sample(case, seed)
            for setting in args.settings:
                start = time.perf_counter()
                est = fit(x, y, setting, seed)
                bias = est.networks_[0].reference.mi_bias
                yield {
                    "case": case,
                    "seed": seed,
                    "setting": setting,
                    "true_mi": truth,
                    "estimate": est.mutual_information_,
                    "std": est.mutual_information_std_,
                    "uncorrected": est.mutual_information_ + bias,
                    "fit_s": time.perf_counter() - start,
                }


def summary(results):
    """Relative errors (%) per case and setting, seed means; corrected / uncorrected."""
    lines = ["| case | " + " | ".join(SETTINGS) + " |", "|---" * 4 + "|"]
    for case in dict.fromkeys(r["case"] for r in results):
        cells = []
        for setting in SETTINGS:
            got = [r for r in results if r["case"] == case and r["setting"] == setting]
            if not got:
                cells.append("")
                continue
            truth = got[0]["true_mi"]
            mean = sum(r["estimate"] for r in got) / len(got)
            raw = sum(r["uncorrected"] for r in got) / len(got)
            errors = (100 * (mean / truth - 1), 100 * (raw / truth - 1))
            cells.append("{:+.1f} / {:+.1f}".format(*errors))
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = study_parser("split_networks", __doc__, "split_networks.jsonl")
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument(
        "--settings", nargs="+", default=list(SETTINGS), choices=SETTINGS
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args(argv)
    summarise_or_run(args, summary, rows(args))


if __name__ == "__main__":
    main()
