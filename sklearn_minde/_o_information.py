"""OInformationEstimator: total correlation, dual total correlation and
O-information of several variables by MINDE, and the function ``o_information``.

The maths are in ``_multivariate.py``; this module validates, standardises,
resolves the settings, trains one network and sets the fitted attributes from
its held-out reading.
"""

from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from ._auto import (
    auto_batch_size,
    auto_learning_rate,
    estimation_passes,
    resolve_device,
    resolve_early_stopping,
    resolve_hidden_dim,
    use_compile,
)
from ._checks import warn_overfitting
from ._data import (
    NormalScores,
    column_log_jacobian,
    divergence_causes,
    mapped_columns,
    scale_training_data,
    standardise,
)
from ._estimator import MINDEEstimator
from ._fit import make_sde
from ._multivariate import (
    MultivariateCalls,
    init_network,
    multivariate_terms,
    resolve_gradient,
    resolve_max_iter,
    resolve_weight_decay,
    train,
)
from ._reader import (
    mean_and_std,
    read_member,
    warn_if_concentrated,
)
from ._results import InUnits, log_base, normal_interval
from ._runtime import torch_threads
from ._training import TrainingConfig
from ._validation import (
    PARAMETERS,
    Choice,
    check_groups,
    check_parameters,
    n_held_out,
)

#: What each parameter may be, checked at fit time: MINDEEstimator's rules, and
#: ``gradient``.
O_INFORMATION_PARAMETERS = {
    name: PARAMETERS[name]
    for name in (
        "max_iter",
        "n_estimation_passes",
        "validation_fraction",
        "hidden_dim",
        "batch_size",
        "learning_rate",
        "weight_decay",
        "n_threads",
        "normal_scores",
    )
} | {"gradient": Choice(("auto", True, False))}

#: What the warnings of ``normal_scores="auto"`` say its map keeps.
KEEPS_O = "TC, DTC and O are unchanged"

#: The per-row terms read, with the name of their fitted attribute.
ATTRIBUTES = {
    "total_correlation": "total_correlation_",
    "dual_total_correlation": "dual_total_correlation_",
    "o_information": "o_information_",
    "o_information_gradient": "o_information_gradient_",
    "mutual_information": "mutual_information_",
}


# ------------------------------------------------------------------ the fit
def training_config(params, defaults, n_train, device, calls):
    """The training settings, with "auto" resolved for ``n_train`` rows and the
    network ``calls``; what the estimator does not expose takes
    ``MINDEEstimator``'s defaults ``defaults``."""
    batch_size = auto_batch_size(params["batch_size"], n_train)
    return TrainingConfig(
        batch_size=batch_size,
        max_iter=resolve_max_iter(
            params["max_iter"], n_train, batch_size, len(calls.calls)
        ),
        learning_rate=auto_learning_rate(params["learning_rate"]),
        ema_decay=defaults["ema_decay"],
        weight_decay=resolve_weight_decay(params["weight_decay"], n_train, calls.sizes),
        early_stopping=resolve_early_stopping(defaults["early_stopping"], n_train),
        n_iter_no_change=defaults["n_iter_no_change"],
        verbose=params["verbose"],
        estimate="o_information",
        schedule=defaults["learning_rate_schedule"],
        compile=use_compile(defaults["compile"], device),
    )


@dataclass
class OInformationFit:
    """What a fit found: the estimator sets its attributes from it.

    Attributes
    ----------
    estimates, stds : dict of str to float or ndarray
        The mean of each per-row term of :data:`ATTRIBUTES` and its standard error.
    entropies : dict of str to float or ndarray
        In the units of the data.
    training : TrainingResult
    calls : MultivariateCalls
    config : TrainingConfig
    seed, n_train, n_estimation_passes, hidden_dim : int
    normal_scores : NormalScores or None
        The map of some columns to normal scores, or None.
    mean, scale : ndarray of shape (n_features,)
    device : torch.device
    sde : VPSDE
    """

    estimates: dict
    stds: dict
    entropies: dict
    training: object
    calls: MultivariateCalls
    config: TrainingConfig
    seed: int
    n_train: int
    n_estimation_passes: int
    hidden_dim: int
    normal_scores: object
    mean: np.ndarray
    scale: np.ndarray
    device: torch.device
    sde: object


def data_entropies(terms, groups, scale, normal_scores):
    """The entropies of the per-row terms ``h_*`` in the units of the data: each
    gains the log scales of its variables' columns (the Jacobian of the
    standardisation) and, for columns in normal scores, the mean log-Jacobian of
    the map back to the data (:func:`~sklearn_minde._data.column_log_jacobian`)."""
    log_column = column_log_jacobian(scale, normal_scores)
    log_scale = np.array([log_column[g].sum() for g in groups])
    return {
        "joint": float(terms["h_joint"].mean() + log_scale.sum()),
        "marginal": terms["h_marginal"].mean(0) + log_scale,
        "conditional": terms["h_conditional"].mean(0) + log_scale,
    }


def standardised_rows(X, groups, train_rows, read_rows, device):
    """The training and held-out rows standardised exactly with the training rows'
    column statistics (checked and warned about by ``_data.scale_training_data``),
    each variable's columns side by side.

    Returns
    -------
    x, x_val : torch.Tensor of shape (n_train, D), (n_val, D)
        float32, on ``device``.
    mean, scale : ndarray of shape (n_features,)
        In X's column order.
    """
    mean, scale = scale_training_data({"X": X[train_rows]})["X"]
    scaled = standardise(X, mean, scale)[:, np.concatenate(groups)]
    x, x_val = (
        torch.as_tensor(scaled[rows], dtype=torch.float32, device=device)
        for rows in (train_rows, read_rows)
    )
    return x, x_val, mean, scale


def read_terms(network, x_val, sde, calls, seed, n_passes, device):
    """The per-row terms of :func:`~sklearn_minde._multivariate.multivariate_terms`
    on the held-out rows, averaged over ``n_passes`` Monte Carlo passes of the
    stream ``"estimation"``, and the share of TC carried by its largest draws."""
    none = x_val[:, :0]
    return read_member(
        lambda x, y, z, t, eps, _: multivariate_terms(network, x, t, eps, sde, calls),
        (x_val, none, none),
        sde,
        seed,
        None,
        n_passes,
        device,
        tail_of="total_correlation",
    )


def fit_o_information(params, X, groups):
    """Split, standardise, train one network on the calls of every term and read
    the terms on the held-out rows.

    Parameters
    ----------
    params : dict
        The estimator's parameters.
    X : ndarray of shape (n_samples, n_features)
        Validated.
    groups : list of ndarray of int
        The columns of each variable.

    Returns
    -------
    OInformationFit
    """
    defaults = MINDEEstimator().get_params()
    rng = check_random_state(params["random_state"])
    perm = rng.permutation(X.shape[0])
    n_val = n_held_out(params["validation_fraction"], X.shape[0])
    train_rows, read_rows = perm[n_val:], perm[:n_val]
    device = resolve_device(params["device"])
    mapped = mapped_columns(X[train_rows], params["normal_scores"], "X", KEEPS_O)
    normal_scores = NormalScores.fit(X[train_rows], mapped)
    if normal_scores is not None:
        X = normal_scores.transform(X)
    x, x_val, mean, scale = standardised_rows(X, groups, train_rows, read_rows, device)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    calls = MultivariateCalls(
        tuple(len(g) for g in groups), resolve_gradient(params["gradient"], len(groups))
    )
    config = training_config(params, defaults, len(train_rows), device, calls)
    hidden_dim = resolve_hidden_dim(params["hidden_dim"], X.shape[1])
    sde = make_sde(defaults)
    network = init_network(
        X.shape[1],
        len(groups),
        hidden_dim,
        defaults["n_blocks"],
        defaults["activation"],
        seed,
    )
    with torch_threads(params["n_threads"]):
        result = train(network.to(device), x, x_val, sde, calls, config, seed)
        terms, share = read_terms(
            result.network,
            x_val,
            sde,
            calls,
            seed,
            params["n_estimation_passes"],
            device,
        )
    result.network = result.network.cpu()
    if result.overfit_iter is not None:
        warn_overfitting(result, len(train_rows), defaults["early_stopping"])
    if not np.isfinite(terms["o_information"].mean()):
        raise FloatingPointError(
            "The O-information estimate is not finite: the network is unusable on "
            "these data. " + divergence_causes(x, x[:, :0], config.learning_rate)
        )
    warn_if_concentrated(share)
    stats = {
        key: _mean_and_std(terms[key], len(train_rows))
        for key in ATTRIBUTES
        if key in terms
    }
    return OInformationFit(
        estimates={k: m for k, (m, _) in stats.items()},
        stds={k: s for k, (_, s) in stats.items()},
        entropies=data_entropies(terms, groups, scale, normal_scores),
        training=result,
        calls=calls,
        config=config,
        seed=seed,
        n_train=len(train_rows),
        n_estimation_passes=estimation_passes(params["n_estimation_passes"], n_val),
        hidden_dim=hidden_dim,
        normal_scores=normal_scores,
        mean=mean,
        scale=scale,
        device=device,
        sde=sde,
    )


def _mean_and_std(values, n_train):
    """:func:`~sklearn_minde._reader.mean_and_std` of per-row values, column by
    column for values of shape (n, k)."""
    if values.ndim == 1:
        return mean_and_std(values, n_train)
    pairs = [mean_and_std(column, n_train) for column in values.T]
    return np.array([m for m, _ in pairs]), np.array([s for _, s in pairs])


# ----------------------------------------------------------------- estimator
class OInformationEstimator(BaseEstimator):
    """Total correlation, dual total correlation and O-information by MINDE.

    For variables ``X_1..X_k`` (each one column or a group of columns of X), with
    ``X_-i`` the others: the total correlation ``TC = sum_i H(X_i) - H(X)``, the
    dual total correlation ``DTC = H(X) - sum_i H(X_i | X_-i)``, and the
    O-information ``O = TC - DTC``, positive when the variables share redundant
    information and negative when they hold it synergistically; its gradient
    ``O(X) - O(X_-i)`` says how each variable moves it. All in nats.

    One network with one diffusion time per variable learns every score the
    terms need, each read on held-out rows as a difference of noise predictions
    (the user guide's method page).

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initial weights and every draw of training and
        estimation. torch's global RNG is left untouched.
    max_iter : int or "auto", default="auto"
        Most training steps. "auto": as many steps per network call as
        :class:`MINDEEstimator` gives each call of its variant "j" (about 256
        passes over the training rows, within 2,000 and 20,000 steps, for 3
        calls): 4,667 steps or more for 3 variables, 10,667 or more with the
        gradient.
    gradient : {"auto", True, False}, default="auto"
        Whether to estimate ``o_information_gradient_``. It adds ``k (k - 1)``
        network calls to the ``2 k + 1`` of the other terms, for k >= 3
        variables. "auto": up to 5 variables.
    device : str or torch.device, default="auto"
        "auto" (CUDA when available, else the CPU), "cpu", "cuda", "cuda:1"...
    verbose : int, default=0
        If positive, show a progress bar with the current loss.
    n_estimation_passes : int or "auto", default="auto"
        Monte Carlo passes over the held-out rows, one time and one noise per row
        each. "auto": at least 8 and at least 16,000 draws in all.
    validation_fraction : float, default=0.2
        Share of the rows held out of training; the estimates are read on them.
    hidden_dim : int or "auto", default="auto"
        Width of the network; "auto": 64 up to 10 columns, 128 up to 50, else 256.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is 512. Capped at the number of training rows.
    learning_rate : float or "auto", default="auto"
        Adam's step size; "auto" is 3e-3.
    weight_decay : float or "auto", default="auto"
        Decoupled weight decay (AdamW), pulling the network towards independent
        standard normal variables. "auto": the larger of ``min(1, (620 / n_train)
        ** 2)`` and ``sum_i d_i (D - d_i) / n_train`` (``d_i`` columns of variable
        i, ``D`` in all), which grows with the variables. Raise it when
        ``o_information_curve_`` still drifts at the end of training.
    n_threads : int or None, default=1
        torch CPU threads while fitting, restored afterwards. None leaves torch's
        setting.
    normal_scores : {"auto", True, False}, default=True
        Map columns to normal scores before fitting. TC, DTC and O are unchanged
        by a monotone map of a column, and on normal scores the network need not
        learn the shapes of the marginals, which with many variables it would
        otherwise read as dependence (TC reads high on skewed or long-tailed
        columns). "auto" maps only the columns so heavy-tailed that a few extreme
        values set their scale (with a :class:`HeavyTailWarning`) or so sharply
        peaked that most rows crowd one spot (with a :class:`SharpPeakWarning`);
        False fits every column as it is. The entropies stay in the units of the
        data: each mapped column adds the mean log-Jacobian of its map, from a
        one-dimensional entropy estimate of the column, whose error they carry.

    Attributes
    ----------
    total_correlation_, total_correlation_std_ : float
        TC and its standard error.
    dual_total_correlation_, dual_total_correlation_std_ : float
        DTC and its standard error.
    o_information_, o_information_std_ : float
        O = TC - DTC and its standard error.
    o_information_gradient_, o_information_gradient_std_ : ndarray of shape \
(`n_variables_`,)
        ``O(X) - O(X_-i)`` for each variable, and the standard errors (only when
        ``gradient`` resolves to True).
    mutual_information_, mutual_information_std_ : ndarray of shape (`n_variables_`,)
        ``I(X_i; X_-i)``, each variable's MI with the others, and the standard
        errors; their sum is TC + DTC.
    entropies_ : dict
        Differential entropies in nats, in the units of the data: ``"joint"``,
        ``H(X)``, a float; ``"marginal"``, ``H(X_i)``, and ``"conditional"``,
        ``H(X_i | X_-i)``, arrays of shape (`n_variables_`,).
    n_variables_ : int
        The number of variables k.
    groups_ : list of ndarray of int
        The columns of X in each variable, in the order of the per-variable
        attributes.
    n_features_in_ : int
        Columns of X.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of X, when X is a DataFrame with string column names.
    o_information_curve_, o_information_std_curve_ : ndarray of shape (n_checks,)
        The held-out O-information at each check of training, and its standard
        errors. A curve still moving at the end means a longer fit would read
        differently.
    loss_curve_ : ndarray of shape (`n_iter_`,)
        Training loss at each step.
    validation_loss_curve_ : ndarray of shape (n_checks,)
        Held-out loss of the averaged network at each check.
    check_steps_ : ndarray of shape (n_checks,)
        The training step after which each check ran.
    n_iter_, best_iter_ : int
        Training steps run, and the step of the network the estimates are read
        with.
    network_ : torch.nn.Module
        The averaged network, on the CPU.
    normal_scores_ : NormalScores or None
        The map of some columns to normal scores (see ``normal_scores``), fitted
        on the training rows, or None where no column is mapped.
    mean_, scale_ : ndarray of shape (`n_features_in_`,)
        Column means and standard deviations of the training rows (of their
        normal scores, for a mapped column).
    hidden_dim_, batch_size_, max_iter_, n_estimation_passes_, n_train_ : int
        The values used, "auto" resolved.
    gradient_ : bool
        Whether the gradient was estimated.
    seed_ : int
        Seed drawn from ``random_state``.
    device_ : str
        The device training ran on.
    sde_ : VPSDE
        The forward SDE.

    See Also
    --------
    MINDEEstimator : MI and entropies of two variables.

    Notes
    -----
    Every standard error covers the Monte Carlo and sampling noise of the
    held-out rows and, at first order, of the training rows; not a bias that
    every network shares. TC, DTC and O do not change under an invertible map
    of each variable; the entropies do.

    References
    ----------
    .. [1] G. Franzese, M. Bounoua, P. Michiardi, "MINDE: Mutual Information Neural
       Diffusion Estimation", ICLR 2024. arXiv:2310.09031.
    .. [2] F. Rosas, P. Mediano, M. Gastpar, H. Jensen, "Quantifying high-order
       interdependencies via multivariate extensions of the mutual information",
       Physical Review E 100, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minde import OInformationEstimator
    >>> rng = np.random.default_rng(0)
    >>> source = rng.normal(size=(1000, 1))
    >>> X = source + 0.5 * rng.normal(size=(1000, 3))  # three noisy copies
    >>> est = OInformationEstimator(max_iter=100, random_state=0).fit(X)
    >>> est.n_variables_, est.o_information_gradient_.shape
    (3, (3,))
    >>> tc, dtc = est.total_correlation_, est.dual_total_correlation_
    >>> bool(np.isclose(est.o_information_, tc - dtc))
    True
    """

    def __init__(
        self,
        *,
        random_state=None,
        max_iter="auto",
        gradient="auto",
        device="auto",
        verbose=0,
        n_estimation_passes="auto",
        validation_fraction=0.2,
        hidden_dim="auto",
        batch_size="auto",
        learning_rate="auto",
        weight_decay="auto",
        n_threads=1,
        normal_scores=True,
    ):
        self.random_state = random_state
        self.max_iter = max_iter
        self.gradient = gradient
        self.device = device
        self.verbose = verbose
        self.n_estimation_passes = n_estimation_passes
        self.validation_fraction = validation_fraction
        self.hidden_dim = hidden_dim
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.n_threads = n_threads
        self.normal_scores = normal_scores

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    def fit(self, X, y=None, groups=None):
        """Train the score network on X and estimate TC, DTC, O and its gradient.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The variables, continuous, side by side.
        y : None
            Ignored.
        groups : None, list of lists of int, or array-like of shape (n_features,)
            Which columns form each variable. None: each column is a variable. A
            list of lists of column indices: one list per variable. One label per
            column: a variable per distinct label, in the order of the sorted
            labels. Every column belongs to exactly one variable.

        Returns
        -------
        self : OInformationEstimator
            The fitted estimator.
        """
        X = validate_data(
            self,
            X,
            reset=True,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
        )
        params = self.get_params(deep=False)
        check_parameters(params, O_INFORMATION_PARAMETERS)
        groups = list(check_groups(groups, X.shape[1], needed_by="O-information")[0])
        return self._set_fitted(fit_o_information(params, X, groups), groups)

    def _set_fitted(self, fit, groups):
        """Every fitted attribute, from an :class:`OInformationFit`."""
        for key, name in ATTRIBUTES.items():
            if key in fit.estimates:
                setattr(self, name, fit.estimates[key])
                setattr(self, name[:-1] + "_std_", fit.stds[key])
        self.entropies_ = fit.entropies
        self.n_variables_, self.groups_ = len(groups), groups
        self.gradient_ = fit.calls.gradient
        training = fit.training
        self.o_information_curve_ = training.mi_curve
        self.o_information_std_curve_ = training.mi_std_curve
        self.loss_curve_ = training.loss_curve
        self.validation_loss_curve_ = training.validation_loss_curve
        self.check_steps_ = training.check_steps
        self.n_iter_, self.best_iter_ = training.n_iter, training.best_iter
        self.network_ = training.network
        self.normal_scores_ = fit.normal_scores
        self.mean_, self.scale_ = fit.mean, fit.scale
        self.hidden_dim_, self.batch_size_ = fit.hidden_dim, fit.config.batch_size
        self.max_iter_, self.n_train_ = fit.config.max_iter, fit.n_train
        self.n_estimation_passes_ = fit.n_estimation_passes
        self.seed_, self.device_, self.sde_ = fit.seed, str(fit.device), fit.sde
        return self


# ------------------------------------------------------------------ function
@dataclass(frozen=True, eq=False)
class OInformationResult(InUnits):
    """Result of :func:`o_information`: the estimates and their standard errors.

    Each parameter is an attribute of the same name, frozen, in the unit of
    ``base``; :meth:`confidence_interval` gives an interval for the O-information.

    Parameters
    ----------
    o_information, o_information_std : float
        O = TC - DTC (positive: redundancy, negative: synergy), standard error.
    total_correlation, total_correlation_std : float
    dual_total_correlation, dual_total_correlation_std : float
    o_information_gradient, o_information_gradient_std : ndarray or None
        ``O(X) - O(X_-i)`` per variable; None when the gradient was not estimated.
    base : float or None, default=None
        The base of the logarithm: None for natural logarithms (nats), 2 for bits.
    estimator : OInformationEstimator, default=None
        The fitted estimator. Its attributes stay in nats whatever ``base``.

    Attributes
    ----------
    unit : str
        ``"nats"``, ``"bits"``, ``"hartleys"`` (base 10), or ``"log base b"``.
    """

    o_information: float
    o_information_std: float
    total_correlation: float
    total_correlation_std: float
    dual_total_correlation: float
    dual_total_correlation_std: float
    o_information_gradient: np.ndarray | None = None
    o_information_gradient_std: np.ndarray | None = None
    base: float | None = None
    estimator: OInformationEstimator = field(default=None, repr=False)

    def confidence_interval(self, confidence_level=0.95):
        """Confidence interval of the O-information from the normal approximation.

        ``o_information -/+ q * o_information_std``, with ``q`` the standard normal
        quantile of ``(1 + confidence_level) / 2``. It covers the noise that the
        standard error measures, not a bias that every fit shares.

        Parameters
        ----------
        confidence_level : float, default=0.95
            In ``(0, 1)``.

        Returns
        -------
        ci : ConfidenceInterval
            A named tuple ``(low, high)``, in the unit of the estimates.
        """
        return normal_interval(
            self.o_information, self.o_information_std, confidence_level
        )


def o_information(X, *, groups=None, base=None, estimator=None, random_state=None):
    """O-information of the variables of X, with TC, DTC and the gradient, by MINDE.

    Fits a clone of ``estimator`` on X and returns the estimates with their
    standard errors, in the style of :func:`scipy.stats.pearsonr`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The variables, continuous, side by side.
    groups : None, list of lists of int, or array-like of shape (n_features,)
        Which columns form each variable (see :meth:`OInformationEstimator.fit`);
        None: each column is a variable.
    base : float or None, default=None
        The base of the logarithm, as in :func:`scipy.stats.entropy`: None for
        nats, 2 for bits.
    estimator : OInformationEstimator or None, default=None
        The configured estimator to clone; None for ``OInformationEstimator()``.
    random_state : int, RandomState instance or None, default=None
        Set on the clone; None keeps the estimator's own ``random_state``.

    Returns
    -------
    result : OInformationResult

    Raises
    ------
    ValueError
        On bad ``X`` or ``groups`` (see :meth:`OInformationEstimator.fit`) and when
        ``base`` is not positive or is 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minde import OInformationEstimator, o_information
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> res = o_information(X, base=2, random_state=0,
    ...                     estimator=OInformationEstimator(max_iter=50))
    >>> res.unit
    'bits'
    >>> low, high = res.confidence_interval(0.9)
    >>> bool(low <= res.o_information <= high)
    True
    """
    scale = log_base(base)
    if not isinstance(estimator, OInformationEstimator | None):
        raise TypeError(
            "estimator must be an OInformationEstimator or None; got "
            f"{type(estimator)!r}."
        )
    est = clone(OInformationEstimator() if estimator is None else estimator)
    if random_state is not None:
        est.set_params(random_state=random_state)
    est.fit(X, groups=groups)
    gradient = getattr(est, "o_information_gradient_", None)
    gradient_std = getattr(est, "o_information_gradient_std_", None)
    return OInformationResult(
        est.o_information_ / scale,
        est.o_information_std_ / scale,
        est.total_correlation_ / scale,
        est.total_correlation_std_ / scale,
        est.dual_total_correlation_ / scale,
        est.dual_total_correlation_std_ / scale,
        None if gradient is None else gradient / scale,
        None if gradient_std is None else gradient_std / scale,
        base,
        est,
    )
