"""
Benchmark results
=================

The benchmark suite (``python -m benchmarks.bmi_suite``; commands in
``benchmarks/README.md``, headline tables in :ref:`evidence`) writes one CSV row per
task, seed and estimator under ``benchmarks/results/``, with the columns ``task``,
``estimator``, ``estimate`` and ``true_mi`` among others. This example plots the
largest such study it finds (the one covering the most tasks): the relative error of
each estimator's seed mean on each task.

When no results are present (the suite takes far longer than a documentation build),
it runs a small comparison of its own instead, and says so in the figure: MINDE-C and
scikit-learn's nearest-neighbour (KSG) estimator
:func:`~sklearn.feature_selection.mutual_info_regression` on two tasks with a known
MI.

.. note::
   The fallback comparison uses a reduced budget (2,000 rows, a network 32 units
   wide, at most 300 steps, one seed); it is an illustration, not a benchmark. The
   defaults are more accurate.
"""

import csv
from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

# %%
# Look for benchmark results
# --------------------------
# The documentation build runs this file from ``docs/examples``, so search upwards.
REQUIRED = {"task", "estimator", "estimate", "true_mi"}


def find_result_files():
    for folder in (Path.cwd(), *Path.cwd().parents):
        results = folder / "benchmarks" / "results"
        if results.is_dir():
            return sorted(results.rglob("*.csv"))
    return []


def read_rows(paths):
    """(task, estimator, estimate, true MI) of the CSV file with those columns that
    covers the most tasks, and that file's path (None if there is none)."""
    best, best_rows, best_tasks = None, [], 0
    for path in paths:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if not REQUIRED <= set(reader.fieldnames or ()):
                continue
            rows = []
            for r in reader:
                try:
                    estimate, true_mi = float(r["estimate"]), float(r["true_mi"])
                except ValueError:
                    continue
                rows.append((r["task"], r["estimator"], estimate, true_mi))
        n_tasks = len({row[0] for row in rows})
        if n_tasks > best_tasks:
            best, best_rows, best_tasks = path, rows, n_tasks
    return best_rows, best


rows, path = read_rows(find_result_files())
if rows:
    source = f"benchmark results: benchmarks/results/{path.parent.name}"
    print(source)
else:
    print("No benchmark results found: running a small comparison instead.")

# %%
# Fallback: a quick comparison
# ----------------------------
# Two tasks with MI :math:`-\frac12 \log(1 - 0.75^2) \approx 0.413` nats: a Gaussian
# pair, and the same pair with ``y`` cubed. MI does not change under an invertible map
# of one variable, but the estimators see different densities.
if not rows:
    from sklearn.feature_selection import mutual_info_regression

    from sklearn_minde import MINDEEstimator

    rho, n = 0.75, 2000
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 1))
    y = rho * x[:, 0] + np.sqrt(1 - rho**2) * rng.normal(size=n)
    true_mi = -0.5 * np.log(1 - rho**2)
    for task, target in [("gaussian pair", y), ("gaussian pair, y cubed", y**3)]:
        est = MINDEEstimator(hidden_dim=32, max_iter=300, random_state=0).fit(x, target)
        rows.append((task, "MINDE-C", est.estimates_["minde_c"], true_mi))
        rows.append((task, "MINDE-C-sigma", est.estimates_["minde_c_sigma"], true_mi))
        ksg = mutual_info_regression(x, target, n_neighbors=3, random_state=0)[0]
        rows.append((task, "KSG (scikit-learn)", ksg, true_mi))
    source = "quick comparison (reduced budget, one seed), not benchmark results"

# %%
# Relative error per task and estimator
# -------------------------------------
# Seed mean of ``estimate / true MI - 1``; colours are clipped at 50 %.
errors = defaultdict(list)
truth = {}
for task, estimator, estimate, true_mi in rows:
    errors[task, estimator].append(estimate / true_mi - 1)
    truth[task] = true_mi
tasks = list(truth)
estimators = list(dict.fromkeys(e for _, e in errors))
rel = np.array([[np.mean(errors.get((t, e), np.nan)) for e in estimators]
                for t in tasks])

print(f"Relative error of the seed means, {len(tasks)} tasks:")
for estimator, column in zip(estimators, rel.T):
    print(f"  {estimator:24s} median |error| {np.nanmedian(np.abs(column)):6.1%}")

fig, ax = plt.subplots(figsize=(2 + 0.7 * len(estimators), 1.5 + 0.28 * len(tasks)))
image = ax.imshow(np.clip(rel, -0.5, 0.5), cmap="RdBu_r", vmin=-0.5, vmax=0.5,
                  aspect="auto")
for (i, j), value in np.ndenumerate(rel):
    if np.isfinite(value):
        ax.text(j, i, f"{value:+.0%}", ha="center", va="center", fontsize=6,
                color="white" if abs(value) > 0.3 else "black")
ax.set_xticks(range(len(estimators)), estimators, rotation=45, ha="right")
ax.set_yticks(range(len(tasks)), [f"{t} ({truth[t]:.2f})" for t in tasks],
              fontsize=7)
fig.colorbar(image, ax=ax, label="estimate / true MI - 1", fraction=0.04)
ax.set_title(f"Relative error (true MI in nats in brackets)\nsource: {source}",
             fontsize="medium")
fig.tight_layout()
plt.show()
