"""Causal skeleton of a known graph by a PC-style search, with CI tests as callables.

The graph, four variables with non-linear links: a chain A -> B -> D and a collider
B -> D <- C::

    A ~ N(0, 1)
    B = A^2 - 1 + 0.5 e_B        (no correlation with A)
    C ~ N(0, 1)
    D = tanh(B) + 0.8 C + 0.4 e_D

True skeleton A-B, B-D, C-D. The search must drop A-C and B-C (independent), and
A-D (independent given B); the collider then shows as the v-structure B -> D <- C
(B and C are separated by the empty set, which does not hold D).

The search is PC-stable's skeleton phase (Colombo and Maathuis 2014): for conditioning
sets of size 0, 1, ... ``--max-order``, an edge X-Y is removed as soon as a CI test of
X and Y given a set S of current neighbours of X (or of Y) gives p > alpha; the
neighbours are frozen at the start of each size, so that the result does not depend
on the order of the tests. Any callable ``(x, y, z=None) -> (statistic, p_value)``
serves as the test: :func:`sklearn_minde.independence_test` (MINDE-perm, the cheap
configuration of the calibration study), the partial-correlation test (ParCorr) and,
with tigramite installed, CMIknn.

    python -m benchmarks.studies.skeleton --tests MINDE-perm ParCorr

About 12 CI tests of 20 fits each for MINDE-perm: a few minutes on one CPU core at
n = 300. Prints the skeleton each test recovers against the true one, the tests that
removed each edge, and the v-structures.
"""

import argparse
import itertools
import time
from functools import partial
from importlib.util import find_spec

import numpy as np

from benchmarks.suite import ci_tests
from benchmarks.suite.params import parse_params

VARIABLES = ("A", "B", "C", "D")
TRUE_EDGES = frozenset(frozenset(e) for e in ("AB", "BD", "CD"))

#: The CI tests the search can use, as ``(x, y, z=None) -> (statistic, p_value)``.
TESTS = {
    "MINDE-perm": partial(ci_tests.minde_test, **ci_tests.MINDE_CHEAP),
    "ParCorr": ci_tests.partial_correlation_test,
    "CMIknn": partial(ci_tests.cmiknn_test, sig_samples=199),
}


def sample_graph(n, seed=0):
    """n draws of the graph's four variables.

    Returns
    -------
    dict of str to ndarray of shape (n, 1)
    """
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, 1))
    b = a**2 - 1 + 0.5 * rng.normal(size=(n, 1))
    c = rng.normal(size=(n, 1))
    d = np.tanh(b) + 0.8 * c + 0.4 * rng.normal(size=(n, 1))
    return dict(zip(VARIABLES, (a, b, c, d), strict=True))


def pc_skeleton(data, ci_test, alpha=0.05, max_order=2):
    """The skeleton phase of PC-stable.

    Parameters
    ----------
    data : dict of str to ndarray of shape (n_samples, d)
        The variables by name.
    ci_test : callable
        ``ci_test(x, y, z=None) -> (statistic, p_value)``.
    alpha : float, default=0.05
        An edge goes when a test gives ``p > alpha``.
    max_order : int, default=2
        Largest conditioning set.

    Returns
    -------
    edges : set of frozenset
        The edges kept.
    separating_sets : dict of frozenset to tuple
        For each removed edge, the set that separated its ends.
    log : list of tuple
        Every test run: (x, y, conditioning set, statistic, p-value).
    """
    names = list(data)
    edges = {frozenset(pair) for pair in itertools.combinations(names, 2)}
    separating_sets, log = {}, []
    for order in range(max_order + 1):
        frozen = {v: {w for e in edges if v in e for w in e if w != v} for v in names}
        for x, y in itertools.combinations(names, 2):
            edge = frozenset((x, y))
            candidates = {
                tuple(sorted(s))
                for v, w in ((x, y), (y, x))
                for s in itertools.combinations(sorted(frozen[v] - {w}), order)
            }
            for s in sorted(candidates):
                if edge not in edges:
                    break
                z = np.hstack([data[v] for v in s]) if s else None
                statistic, p_value = ci_test(data[x], data[y], z)
                log.append((x, y, s, statistic, p_value))
                if p_value > alpha:
                    edges.discard(edge)
                    separating_sets[edge] = s
    return edges, separating_sets, log


def v_structures(edges, separating_sets):
    """Colliders X -> W <- Y: X and Y not adjacent, both adjacent to W, and W not in
    the set that separated them.

    Returns
    -------
    list of tuple
        (X, W, Y) with X < Y.
    """
    names = sorted(
        {v for e in edges for v in e} | {v for e in separating_sets for v in e}
    )
    found = []
    for x, y in itertools.combinations(names, 2):
        pair = frozenset((x, y))
        if pair in edges or pair not in separating_sets:
            continue
        for w in names:
            if {
                frozenset((x, w)),
                frozenset((y, w)),
            } <= edges and w not in separating_sets[pair]:
                found.append((x, w, y))
    return found


def edge_text(edges):
    """ "A-B, B-D" in alphabetical order."""
    return ", ".join(sorted("-".join(sorted(e)) for e in edges)) or "none"


def report(name, edges, separating_sets, log, seconds):
    """The lines printed for one test: skeleton, errors, removals, v-structures."""
    missing, extra = TRUE_EDGES - edges, edges - TRUE_EDGES
    lines = [
        f"{name}: {edge_text(edges)}  ({len(log)} CI tests, {seconds:.0f} s)",
        f"  missing true edges: {edge_text(missing)}; extra edges: {edge_text(extra)}",
    ]
    for x, y, s, statistic, p_value in log:
        given = f" | {', '.join(s)}" if s else ""
        gone = (
            "  -> removed"
            if (
                frozenset((x, y)) in separating_sets
                and separating_sets[frozenset((x, y))] == s
            )
            else ""
        )
        lines.append(
            f"    {x} _|_ {y}{given}: statistic {statistic:.4f}, "
            f"p = {p_value:.3f}{gone}"
        )
    colliders = v_structures(edges, separating_sets)
    lines.append(
        "  v-structures: "
        + (", ".join(f"{x} -> {w} <- {y}" for x, w, y in colliders) or "none")
    )
    return "\n".join(lines)


def main(argv=None):
    """Sample the graph, run the search with each test and print the results."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.studies.skeleton",
        description=__doc__.split("\n\n")[0],
    )
    default = ["MINDE-perm", "ParCorr"] + (["CMIknn"] if find_spec("tigramite") else [])
    p.add_argument("--tests", nargs="+", default=default, choices=list(TESTS))
    p.add_argument("--n", type=int, default=300, help="rows (default: 300)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--max-order", type=int, default=2)
    p.add_argument(
        "--minde-param",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="overrides of MINDE-perm's configuration, e.g. "
        "n_permutations=39 max_iter=600",
    )
    args = p.parse_args(argv)
    overrides = parse_params(args.minde_param)
    tests = dict(
        TESTS,
        **{
            "MINDE-perm": partial(
                ci_tests.minde_test, **{**ci_tests.MINDE_CHEAP, **overrides}
            )
        },
    )
    data = sample_graph(args.n, args.seed)
    print(
        f"n = {args.n}, seed {args.seed}, alpha = {args.alpha}; true skeleton: "
        f"{edge_text(TRUE_EDGES)}; true v-structure: B -> D <- C"
    )
    results = {}
    for name in args.tests:
        start = time.perf_counter()
        results[name] = pc_skeleton(data, tests[name], args.alpha, args.max_order)
        print(report(name, *results[name], time.perf_counter() - start), flush=True)
    return results


if __name__ == "__main__":
    main()
