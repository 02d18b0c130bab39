"""Conditional-independence tests to set beside MINDE's permutation test.

Each has the call shape of :func:`sklearn_minde.independence_test`,
``(x, y, z=None, *, random_state=0, **params) -> (statistic, p_value)``, so that a
study or a causal-discovery loop takes any of them as its CI callable.

- :func:`minde_test`: :func:`sklearn_minde.independence_test` with a configured
  :class:`~sklearn_minde.MINDEEstimator`, its parameters passed flat.
- :func:`partial_correlation_test`: the Gaussian test (partial correlation), from
  numpy and scipy alone.
- :func:`cmiknn_test`: tigramite's CMIknn (Runge 2018), when tigramite is installed.

Their statistics alone, as conditional-MI estimators (``(x, y, z=None, *,
random_state=0, **params) -> float``, nats): :func:`gaussian_cmi` (ParCorr's) and
:func:`cmiknn_cmi` (CMIknn's).
"""

import numpy as np
from scipy import stats

from sklearn_minde import MINDEEstimator, independence_test

#: A cheap configuration of :func:`minde_test` for many tests on a CPU: the test's
#: parameters (19 permutations, 20 fits a test) and a network of width 16 trained
#: for 300 steps without early stopping (about 1 s a fit at n = 200-300 rows on one
#: core), read with 8 Monte Carlo passes (the default before "auto", which takes 400
#: on 40 held-out rows; the calibration study's first data sets were run so).
MINDE_CHEAP = {"n_permutations": 19, "n_neighbors": 5, "hidden_dim": 16,
               "max_iter": 300, "early_stopping": False, "n_estimation_passes": 8}


def _columns(a):
    """A float64 array of shape (n_samples, n_columns)."""
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(len(a), -1)


def minde_test(x, y, z=None, *, random_state=0, n_permutations=19, n_neighbors=5,
               **estimator_params):
    """MINDE's permutation test, the estimator's parameters given flat.

    Parameters
    ----------
    x, y, z, random_state, n_permutations, n_neighbors
        As in :func:`sklearn_minde.independence_test`.
    **estimator_params
        Parameters of the :class:`~sklearn_minde.MINDEEstimator` that makes the
        statistic (``max_iter=300``...).

    Returns
    -------
    statistic : float
        The MINDE estimate of I(X; Y) or I(X; Y | Z), nats.
    p_value : float
    """
    return independence_test(x, y, z, n_permutations=n_permutations,
                             n_neighbors=n_neighbors,
                             estimator=MINDEEstimator(**estimator_params),
                             random_state=random_state)


def partial_canonical_correlations(x, y, z=None):
    """Canonical correlations of x and y once both are regressed on z.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, d_x)
    y : array-like of shape (n_samples,) or (n_samples, d_y)
    z : array-like of shape (n_samples,) or (n_samples, d_z), default=None
        Regressed out with an intercept (None: only the means are removed).

    Returns
    -------
    ndarray of shape (min(d_x, d_y),)
        In [0, 1], largest first: the partial correlation's absolute value when
        x and y have one column each.
    """
    x, y = _columns(x), _columns(y)
    design = np.ones((len(x), 1))
    if z is not None:
        design = np.hstack([design, _columns(z)])
    basis, _ = np.linalg.qr(design)
    residuals = [a - basis @ (basis.T @ a) for a in (x, y)]
    qx, qy = (np.linalg.qr(r)[0] for r in residuals)
    return np.clip(np.linalg.svd(qx.T @ qy, compute_uv=False), 0.0, 1.0)


def gaussian_cmi(x, y, z=None, *, random_state=None):
    """The Gaussian (conditional) MI on the sample covariance: ParCorr's statistic.

    ``-1/2 sum(log(1 - rho_i^2))`` over the partial canonical correlations
    (:func:`partial_canonical_correlations`), which equals
    ``1/2 [log det S_xz + log det S_yz - log det S_z - log det S_xyz]`` on the
    sample covariances; without z, the MI of benchmark-mi's CCA estimator. Exact
    in the limit for jointly Gaussian data, biased under non-linear maps.

    Parameters
    ----------
    x, y, z
        As in :func:`partial_correlation_test`.
    random_state : None
        Unused: accepted for the common call shape.

    Returns
    -------
    float
        Nats.
    """
    rho = partial_canonical_correlations(x, y, z)
    return -0.5 * float(np.sum(np.log1p(-rho**2)))


def partial_correlation_test(x, y, z=None, *, random_state=None):
    """The Gaussian test of X independent of Y given Z (partial correlation).

    The statistic is the Gaussian (conditional) MI,
    ``-1/2 sum(log(1 - rho_i^2))`` over the partial canonical correlations
    ``rho_i`` (:func:`partial_canonical_correlations`), which equals
    ``1/2 [log det S_xz + log det S_yz - log det S_z - log det S_xyz]`` on the
    sample covariances. The p-value is:

    - one column each: the exact t-test of the partial correlation ``r``,
      ``t = r sqrt(df / (1 - r^2))`` with ``df = n - 2 - d_z`` (two-sided; the
      Fisher z-test is its large-n approximation; without z it is the p-value of
      :func:`scipy.stats.pearsonr`);
    - more columns: Bartlett's chi-square approximation of Wilks' lambda,
      ``-(n - 1 - d_z - (d_x + d_y + 1) / 2) sum(log(1 - rho_i^2))`` on
      ``d_x d_y`` degrees of freedom.

    Exact under a Gaussian null; it sees only linear dependence (a Y = X^2 link
    is invisible to it), and a non-linear effect of Z left in both residuals
    reads as dependence.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, d_x)
    y : array-like of shape (n_samples,) or (n_samples, d_y)
    z : array-like of shape (n_samples,) or (n_samples, d_z), default=None
    random_state : None
        Unused: accepted for the common call shape.

    Returns
    -------
    statistic : float
        Gaussian (conditional) MI, nats.
    p_value : float
    """
    x, y = _columns(x), _columns(y)
    n, d_z = len(x), 0 if z is None else _columns(z).shape[1]
    rho = partial_canonical_correlations(x, y, z)
    log_lambda = float(np.sum(np.log1p(-rho**2)))
    if x.shape[1] == y.shape[1] == 1:
        df = n - 2 - d_z
        t = rho[0] * np.sqrt(df / (1.0 - rho[0] ** 2))
        p_value = 2.0 * stats.t.sf(t, df)
    else:
        chi2 = -(n - 1 - d_z - (x.shape[1] + y.shape[1] + 1) / 2) * log_lambda
        p_value = stats.chi2.sf(chi2, x.shape[1] * y.shape[1])
    return -0.5 * log_lambda, float(p_value)


def cmiknn_test(x, y, z=None, *, random_state=0, knn=0.2, shuffle_neighbors=5,
                sig_samples=500):
    """tigramite's CMIknn test: a nearest-neighbour CMI with a local-shuffle null.

    Needs ``pip install tigramite numba``. Runs on one thread (``workers=1``).

    Parameters
    ----------
    x, y, z
        As in :func:`partial_correlation_test`.
    random_state : int, default=0
        Seeds the shuffles.
    knn : float or int, default=0.2
        Neighbours of the CMI estimate (a fraction of n when below 1).
    shuffle_neighbors : int, default=5
        Neighbourhood of the local shuffle in z (as MINDE's ``n_neighbors``).
    sig_samples : int, default=500
        Shuffles of the null distribution.

    Returns
    -------
    statistic : float
        CMIknn's (conditional) MI estimate, nats.
    p_value : float
    """
    test = _cmiknn(knn=knn, shuffle_neighbors=shuffle_neighbors,
                   sig_samples=sig_samples, significance="shuffle_test",
                   seed=random_state)
    statistic, p_value = test.run_test_raw(*_xyz(x, y, z))
    return float(statistic), float(p_value)


def cmiknn_cmi(x, y, z=None, *, random_state=0, knn=0.2):
    """tigramite's CMIknn estimate alone (no shuffle test): the statistic of
    :func:`cmiknn_test`.

    The Frenzel-Pompe nearest-neighbour estimator in max-norm on the ranks of each
    column (tigramite's ``transform="ranks"``), so it is unchanged by increasing
    maps of single columns, up to the tiny noise that breaks ties. Runs on one
    thread.

    Parameters
    ----------
    x, y, z
        As in :func:`partial_correlation_test`.
    random_state : int, default=0
        Seeds the tie-breaking noise.
    knn : float or int, default=0.2
        Neighbours of the estimate (a fraction of n when below 1): tigramite's
        default, made for the test; a small integer (10) is the KSG-like choice.

    Returns
    -------
    float
        Nats.
    """
    test = _cmiknn(knn=knn, seed=random_state)
    return float(test.get_dependence_measure_raw(*_xyz(x, y, z)))


def _cmiknn(**params):
    """tigramite's ``CMIknn(workers=1, **params)``."""
    from tigramite.independence_tests.cmiknn import CMIknn

    return CMIknn(workers=1, **params)


def _xyz(x, y, z):
    """x, y and z (or None) as float64 arrays of columns."""
    return _columns(x), _columns(y), None if z is None else _columns(z)
