"""The Gaussian reference on heavy-tailed data in many dimensions.

Run: python -m benchmarks.studies.student_highdim [--df 3 5 10] [--out FOLDER]

A multivariate Student-t pair (bmi's ``SplitStudentT``) with 25 + 25 columns, each X
column correlated 0.5 with its Y column in the dispersion, ``df`` degrees of freedom,
10,000 rows (seed 0); none of the benchmark's 40 tasks has heavy tails in more than
5 + 5 columns. MINDE-C with ``reference="gaussian"`` (one network) against the
defaults (the standard reference; two networks read together there).
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from sklearn_minde import MINDEEstimator

DIM, N, CORR = 25, 10000, 0.5
SETTINGS = {"gaussian": dict(reference="gaussian", n_networks=1), "defaults": {}}


def student_sample(df):
    """Rows of X and Y and the true MI."""
    import bmi

    dispersion = np.eye(2 * DIM)
    for i in range(DIM):
        dispersion[i, DIM + i] = dispersion[DIM + i, i] = CORR
    sampler = bmi.samplers.SplitStudentT(
        dim_x=DIM, dim_y=DIM, df=df, dispersion=dispersion
    )
    x, y = sampler.sample(N, 0)
    truth = float(sampler.mutual_information())
    return np.asarray(x, float), np.asarray(y, float), truth


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--df", type=int, nargs="+", default=[3, 5, 10])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = []
    for df in args.df:
        x, y, truth = student_sample(df)
        for name, params in SETTINGS.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = MINDEEstimator(random_state=0, **params).fit(x, y)
            rows.append(
                {
                    "df": df,
                    "setting": name,
                    "true_mi": truth,
                    "estimate": est.mutual_information_,
                    "relative_error": est.mutual_information_ / truth - 1,
                    "fit_s": time.perf_counter() - start,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
