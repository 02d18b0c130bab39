"""
Benchmark results
=================

The benchmark suite (``python -m benchmarks.defaults``, see ``benchmarks/``) writes
one CSV row per task, seed and estimator under ``benchmarks/results/``, with the
columns ``task``, ``estimator``, ``estimate`` and ``true_mi`` among others. This
example plots every such file it finds: the error of each estimator on each task
(mean over seeds, with the seed-to-seed standard deviation).

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
    """(task, estimator, estimate, true MI) from every CSV file with those columns,
    and the number of such files."""
    usable = []
    for path in paths:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if REQUIRED <= set(reader.fieldnames or ()):
                usable.append((path, list(reader)))
    rows = []
    for path, records in usable:
        for r in records:
            try:
                estimate, true_mi = float(r["estimate"]), float(r["true_mi"])
            except ValueError:
                continue
            label = r["estimator"]
            if len(usable) > 1:  # tell the studies apart
                label += f" ({path.parent.name})"
            rows.append((r["task"], label, estimate, true_mi))
    return rows, len(usable)


rows, n_files = read_rows(find_result_files())
if rows:
    source = f"benchmark results ({n_files} file(s) in benchmarks/results)"
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
# Error per task and estimator
# ----------------------------
errors = defaultdict(list)
truth = {}
for task, estimator, estimate, true_mi in rows:
    errors[task, estimator].append(estimate - true_mi)
    truth[task] = true_mi
tasks = sorted(truth)
estimators = sorted({e for _, e in errors})

print("Mean error (estimate - true MI, nats):")
print(f"{'task':50s} {'true MI':>8s} " + " ".join(f"{e[:16]:>16s}" for e in estimators))
for task in tasks:
    cells = [np.mean(errors.get((task, e), np.nan)) for e in estimators]
    cells = " ".join(f"{c:16.3f}" for c in cells)
    print(f"{task[:50]:50s} {truth[task]:8.3f} {cells}")

fig_height = min(30.0, max(3.0, 1.5 + 0.15 * len(tasks) * len(estimators)))
fig, ax = plt.subplots(figsize=(8, fig_height))
height = 0.8 / len(estimators)
for j, estimator in enumerate(estimators):
    pos, mean, sd = [], [], []
    for i, task in enumerate(tasks):
        e = errors.get((task, estimator))
        if e:
            pos.append(i + (j - (len(estimators) - 1) / 2) * height)
            mean.append(np.mean(e))
            sd.append(np.std(e, ddof=1) if len(e) > 1 else 0.0)
    # one colour per estimator: the default cycle repeats after ten
    colour = plt.cm.tab20(j % 20)
    ax.errorbar(mean, pos, xerr=sd, fmt="o", capsize=3, label=estimator, color=colour)
ax.axvline(0, color="k", lw=0.8)
ax.set_yticks(range(len(tasks)), tasks)
ax.invert_yaxis()
ax.set_xlabel("estimate - true MI (nats)")
ax.set_title(f"Error of each estimator\nsource: {source}", fontsize="medium")
ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
fig.tight_layout()
plt.show()
