"""MINDEEstimator: the scikit-learn face of MINDE.

Parameters, validation hand-off, fitted attributes set in one place, and the public
methods. The fit itself is the plan of ``_fit.py``; reading new data is
``_reader.py``.
"""

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._data import Standardisation
from ._fit import (
    chosen_term,
    fit_all,
    make_variant,
    member_groups,
    sigma_value,
    without_y,
)
from ._labels import dummy_code, encode, is_label
from ._reader import (
    likelihood_bound,
    likelihood_fn,
    mean_and_std,
    mi_fn,
    read_keys,
    read_rows,
)
from ._results import normal_interval
from ._runtime import fitted_device, in_float64, torch_threads
from ._validation import (
    PARAMETERS,
    check_new_y,
    check_parameters,
    conditioning_indices,
    validate_xy,
)
from ._variants import variant_name

#: The fitted attributes of a fit with y, and of one without.
MI_ATTRIBUTES = (
    "estimates_",
    "estimates_std_",
    "mutual_information_",
    "mutual_information_std_",
    "mutual_information_curve_",
    "mutual_information_std_curve_",
)
ENTROPY_ATTRIBUTES = (
    "entropy_",
    "entropy_std_",
    "entropy_curve_",
    "entropy_std_curve_",
)


class MINDEEstimator(BaseEstimator):
    """Mutual information and entropies of continuous vectors by score-based diffusion.

    MINDE (Franzese et al., ICLR 2024) trains a noise-prediction network on the
    forward diffusion of ``(X, y)`` and reads Kullback-Leibler divergences, hence
    mutual information (MI) and entropies, off the difference of its scores. All
    results are in nats. Fitted on X alone, it is a density model of X that
    gives the entropy ``entropy_`` and per-row log-density bounds
    (``score_samples``). With ``conditioning_columns``, some columns of ``X`` form a
    third variable Z and every estimate is conditional on it.

    The first nine parameters are the ones to consider. The rest, from ``sigma``
    on, are advanced: their defaults were chosen for accuracy at the default cost
    (see the documentation's Evidence page), and most users never change them.

    Parameters
    ----------
    variant : {"c", "j", "conditional", "joint"}, default="c"
        ``"c"`` (``"conditional"``): conditional diffusion, ``I = H(X) - H(X |
        Y)`` (only X is diffused). ``"j"`` (``"joint"``): joint diffusion of X and
        y, symmetric, and slower: from 4,000 training rows ``max_iter="auto"``
        gives it more steps.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initial weights and every draw of training and
        estimation. torch's global RNG is left untouched.
    n_folds : int or None, default=None
        None: one network trains on ``1 - validation_fraction`` of the rows and
        reads the estimate on the rest. K >= 2: cross-fitting; member k trains on
        the other folds and reads fold k, so every row serves the estimate and the
        standard error includes the spread between the K networks. Costs K fits.
    max_iter : int or "auto", default="auto"
        Most training steps. "auto": about 256 passes over the training rows (128
        for a fit without y), within 2,000 and 20,000 steps. Try a larger int
        when a :class:`~sklearn.exceptions.ConvergenceWarning` says the held-out
        MI was still rising (strongly curved dependence can need several times
        the default) and compare the two readings: a longer fit can also read high.
        See the user guide's limits page.
    normal_scores : {"auto", True, False}, default="auto"
        Map columns to normal scores before fitting (MI is unchanged by a monotone
        map of a column): True maps every column, "auto" only those so
        heavy-tailed that a few extreme values set their scale (with a
        :class:`HeavyTailWarning`) or so sharply peaked that most rows crowd one
        spot (a cubed normal variable, with a :class:`SharpPeakWarning`). Where a
        column is mapped, ``entropies_`` (and ``entropy_``) stays in the units of
        the data (each entropy gains the mean log-Jacobian of the map,
        from a one-dimensional entropy estimate of the column), and so does
        ``score`` (see :meth:`score_samples`): a grid search can compare the
        options.
    conditioning_columns : None, int, str, array-like or slice, default=None
        The columns of ``X`` that hold Z: positions, a boolean mask, a slice or
        DataFrame column names. ``mutual_information_`` is then ``I(X; y | Z)``,
        X being the other columns. None: no Z.
    discrete_y : {"auto", True, False}, default="auto"
        Whether y is a class label (numbers or strings, one column), which variant
        "c" reads as indicator columns fed clean to its conditional call: the MI
        ``H(X) - H(X | Y)`` of a discrete Y. "auto": when
        :func:`~sklearn.utils.multiclass.type_of_target` says ``"binary"`` or
        ``"multiclass"`` (two values, strings or whole numbers) and every class
        has at least 2 rows, for variant "c". Set False for an integer y that
        measures a quantity. A label fit splits its rows class by class, so
        that every class trains every network.
    device : str or torch.device, default="auto"
        "auto" (CUDA when available, else the CPU), "cpu", "cuda", "cuda:1"...
    verbose : int, default=0
        If positive, show a progress bar with the current loss.
    sigma : float or None, default=None
        None: the plain estimator, a squared difference of scores. A positive
        float: the sigma form, a difference of entropies against ``N(0, sigma^2
        I)`` on standardised data (noisier). ``estimates_`` reports both forms.
    reference : {"standard", "gaussian"}, default="standard"
        What the network's output is a residual over: independent standard normal
        variables, or the Gaussian fitted to the training rows. "gaussian" reads
        Gaussian data exactly from the start, but reads heavy tails, strongly
        non-linear dependence and small samples worse.
    n_networks : int or "auto", default="auto"
        Networks trained on the same rows and read together, which drops the
        positive bias each one's error adds in many dimensions. Costs
        ``n_networks`` fits. "auto": 2 from 50 network inputs (columns of X and y)
        and 4,000 training rows, else 1.
    early_stopping : {"auto", "mi", True, False}, default="auto"
        "auto": on over-fitting (the held-out loss rising significantly), stop and
        read the network of the best check; from 8,000 training rows train on and
        read the last network. "mi": also stop once the held-out MI stops rising.
        True: also stop on a plateau of the held-out loss. False: run ``max_iter``.
    n_iter_no_change : int, default=10
        Checks (20 per ``max_iter``) without progress before ``early_stopping="mi"``
        or True stops.
    n_estimation_passes : int or "auto", default="auto"
        Monte Carlo passes over the rows an estimate reads, one time and one noise
        per row each. "auto": at least 8 and at least 16,000 draws in all.
    validation_fraction : float, default=0.2
        Share of the rows held out of training; the estimates are read on them.
    weight_decay : float or "auto", default="auto"
        Decoupled weight decay (AdamW), pulling the network towards its reference;
        it keeps a network from memorising few rows. "auto":
        ``min(1, (620 / n_train) ** 2)``. 0 trains with plain Adam.
    learning_rate : float or "auto", default="auto"
        Adam's step size; "auto" is 3e-3.
    learning_rate_schedule : {"constant", "cosine"}, default="cosine"
        "cosine": a linear warm-up over the first 5 % of the steps, then a cosine
        decay to 0 at ``max_iter``.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is 512. Capped at the number of training rows.
    ema_decay : float, default=0.999
        Decay of the moving average of the weights that gives every estimate,
        warmed up as ``min(ema_decay, (1 + t) / (10 + t))`` at step t.
    hidden_dim : int or "auto", default="auto"
        Width of the network; "auto": 64 up to 10 network inputs, 128 up to 50,
        else 256.
    n_blocks : int, default=2
        Residual blocks before the skip concatenation (one more follows it).
    activation : {"silu", "gelu", "relu", "tanh"}, default="silu"
        Activation of the residual blocks.
    conditional_share : float, default=0.5
        Share of training rows that train the conditional scores; the rest train
        the unconditional one. Every estimate reads a difference of the two, so
        keep them even.
    beta_min, beta_max : float, default=0.1, 20.0
        Linear noise schedule ``beta(t)`` of the variance-preserving SDE on
        ``[0, 1]``.
    t_eps : float, default=1e-3
        The small time below which the importance density of time is flat; the
        estimates read times below it at ``t_eps``.
    importance_sampling : bool, default=True
        Draw times from the density proportional to the likelihood weight. False:
        uniform times on ``[t_eps, 1]`` (much noisier).
    compile : {"auto", True, False}, default="auto"
        Compile each training step with ``torch.compile``; "auto": on CUDA only.
        Falls back to eager training with a :class:`CompileWarning`.
    stack_networks : {"auto", True, False}, default="auto"
        Train several networks (``n_folds``, ``n_networks``, permutation tests) as
        one batched ensemble, with the same results; "auto": on CUDA only.
    n_threads : int or None, default=1
        torch CPU threads while fitting and estimating, restored afterwards. One
        is as fast as two for networks this small. None leaves torch's setting.

    Attributes
    ----------
    mutual_information_ : float
        MI estimate of the chosen variant and form, in nats (a fit with y).
    mutual_information_std_ : float
        Its standard error: Monte Carlo and sampling noise of the rows read and,
        at first order, of the training rows; with ``n_folds`` also the spread
        between the members. Not a bias shared by every network.
    estimates_, estimates_std_ : dict of str to float
        Both forms of the variant and their standard errors: ``"minde_c"`` and
        ``"minde_c_sigma"``, or ``"minde_j"`` and ``"minde_j_sigma"``.
    entropies_ : dict of str to float
        Differential entropies in nats, in the units of the data: ``"x"``,
        ``"x|y"`` (variant "c"); ``"xy"``, ``"x|y"``, ``"y|x"``, ``"x"``, ``"y"``
        (variant "j"); ``"x"`` (a fit without y); ``"x|z"``... with a Z. NaN over
        a column in normal scores whose values tie.
    entropies_std_ : dict of str to float
        Their standard errors, as ``mutual_information_std_`` (where columns are in
        normal scores, without the noise of their one-dimensional entropies).
    entropy_, entropy_std_ : float
        A fit without y only: ``H(X)`` (``H(X | Z)`` with a Z) in nats, in the
        units of the data, and its standard error.
    member_estimates_ : ndarray of shape (n_members,)
        Each member's estimate on its own rows (one member without ``n_folds``).
    tail_share_ : float
        Share of the estimate (the MI, or the entropy of a fit without y) carried
        by its largest 0.1 % of Monte Carlo draws
        (largest over the members). Near 0.001 when the draws contribute evenly;
        a :class:`ConcentratedEstimateWarning` says when it exceeds 0.2.
    loss_curve_ : ndarray of shape (`n_iter_`,)
        Training loss (mean squared noise error per coordinate) at each step.
    validation_loss_curve_ : ndarray of shape (n_checks,)
        Held-out loss of the averaged network at each check.
    mutual_information_curve_ : ndarray of shape (n_checks,)
        The held-out MI at each check. A curve still rising at the end means that
        a longer fit would read more.
    mutual_information_std_curve_ : ndarray of shape (n_checks,)
        Its standard errors.
    entropy_curve_, entropy_std_curve_ : ndarray of shape (n_checks,)
        A fit without y only: the held-out entropy at each check and its standard
        errors (the curves of the MI's place).
    check_steps_ : ndarray of shape (n_checks,)
        The training step after which each check ran.
    n_iter_ : int
        Training steps run (by the first member, as for the curves).
    best_iter_ : int
        The step of the network the estimates are read with.
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted, when y was read as a label (absent otherwise).
    n_features_in_ : int
        Columns of X (Z's included).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of X, when X is a DataFrame with string column names.
    networks_ : list of torch.nn.Module
        The averaged networks, member by member (``n_networks_`` each), on the
        CPU; ``network_`` is the first.
    conditioning_columns_ : ndarray of int
        The positions of Z's columns in X (empty without a Z).
    x_mean_, x_scale_, y_mean_, y_scale_ : ndarray
        Column means and standard deviations of the training rows.
    x_normal_scores_, y_normal_scores_ : NormalScores or None
        The maps to normal scores (``columns`` and the fitted ``transformer``);
        set only where some column is mapped, None for a variable with none.
    hidden_dim_, batch_size_, max_iter_, n_networks_, n_estimation_passes_ : int
        The values used, "auto" resolved (passes: of the first member's reading).
    learning_rate_, weight_decay_ : float
        The same.
    n_train_ : int
        Rows each network trained on.
    device_ : str
        The device training ran on.
    compiled_ : bool
        Whether training ran compiled.
    sde_ : VPSDE
        The forward SDE and its importance sampling of time.
    seed_ : int
        Seed drawn from ``random_state``; drives training and every estimate.

    See Also
    --------
    sklearn.feature_selection.mutual_info_regression : k-nearest-neighbour MI
        between each feature and a target.

    Notes
    -----
    Report ``mutual_information_`` with ``mutual_information_std_``. On a few
    thousand rows or fewer, where one training differs from the next, cross-fit
    (``n_folds=5``) so that the error bar includes that spread. A
    :class:`~sklearn.exceptions.ConvergenceWarning` (the held-out MI rose by more
    than three standard errors over the second half of the steps) says a larger
    ``max_iter`` would help; an :class:`OverfittingWarning` says more rows or a
    larger ``weight_decay`` would.

    The data are standardised per column inside ``fit``, exactly; MI does not
    change and entropies are reported in the original units. ``fit`` refuses a
    constant column and one the floating-point format resolves too coarsely, and
    warns about discrete-looking (:class:`DiscreteDataWarning`) and collinear
    (:class:`RankDeficientWarning`) columns.

    References
    ----------
    .. [1] G. Franzese, M. Bounoua, P. Michiardi, "MINDE: Mutual Information Neural
       Diffusion Estimation", ICLR 2024. arXiv:2310.09031.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_minde import MINDEEstimator
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2000, 1))
    >>> y = 0.8 * x[:, 0] + 0.6 * rng.normal(size=2000)
    >>> est = MINDEEstimator(max_iter=300, random_state=0).fit(x, y)
    >>> est.mutual_information_ > 0
    True
    """

    def __init__(
        self,
        *,
        variant="c",
        random_state=None,
        n_folds=None,
        max_iter="auto",
        normal_scores="auto",
        conditioning_columns=None,
        discrete_y="auto",
        device="auto",
        verbose=0,
        sigma=None,
        reference="standard",
        n_networks="auto",
        early_stopping="auto",
        n_iter_no_change=10,
        n_estimation_passes="auto",
        validation_fraction=0.2,
        weight_decay="auto",
        learning_rate="auto",
        learning_rate_schedule="cosine",
        batch_size="auto",
        ema_decay=0.999,
        hidden_dim="auto",
        n_blocks=2,
        activation="silu",
        conditional_share=0.5,
        beta_min=0.1,
        beta_max=20.0,
        t_eps=1e-3,
        importance_sampling=True,
        compile="auto",
        stack_networks="auto",
        n_threads=1,
    ):
        self.variant = variant
        self.random_state = random_state
        self.n_folds = n_folds
        self.max_iter = max_iter
        self.normal_scores = normal_scores
        self.conditioning_columns = conditioning_columns
        self.discrete_y = discrete_y
        self.device = device
        self.verbose = verbose
        self.sigma = sigma
        self.reference = reference
        self.n_networks = n_networks
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.n_estimation_passes = n_estimation_passes
        self.validation_fraction = validation_fraction
        self.weight_decay = weight_decay
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.ema_decay = ema_decay
        self.hidden_dim = hidden_dim
        self.n_blocks = n_blocks
        self.activation = activation
        self.conditional_share = conditional_share
        self.beta_min = beta_min
        self.beta_max = beta_max
        self.t_eps = t_eps
        self.importance_sampling = importance_sampling
        self.compile = compile
        self.stack_networks = stack_networks
        self.n_threads = n_threads

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = True
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None):
        """Train the score network on ``(X, y)`` and estimate MI and entropies, or
        on X alone and estimate its entropy.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            First variable, continuous, and the conditioning variable Z in the
            ``conditioning_columns``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), or None
            Second variable, continuous. None: a density model of X alone (of X
            given Z with ``conditioning_columns``), which gives ``entropy_`` and
            no MI; ``variant`` does not apply.

        Returns
        -------
        self : MINDEEstimator
            The fitted estimator.
        """
        return fit_together([self], [(X, y)])[0]

    def _validated(self, X, y):
        """``(X, y)`` validated for :meth:`fit`, the parameters checked and the
        conditioning columns resolved; y None becomes 0 columns."""
        check_parameters(self.get_params(deep=False), PARAMETERS)
        self.__dict__.pop("classes_", None)
        if y is not None and is_label(y, self.discrete_y, variant_name(self.variant)):
            y, self.classes_ = dummy_code(y)
        X, y = validate_xy(self, X, y, reset=True)
        if y is None:
            y = np.empty((X.shape[0], 0), dtype=X.dtype)
        self.conditioning_columns_ = conditioning_indices(
            self.conditioning_columns,
            X.shape[1],
            getattr(self, "feature_names_in_", None),
        )
        return X, y

    def _set_fitted(self, result):
        """Every fitted attribute, from a :class:`~sklearn_minde._fit.FitResult`."""
        s, scaling, first = result.settings, result.standardisation, result.training[0]
        self.seed_, self.device_, self.sde_ = s.seed, str(s.device), s.sde
        self.hidden_dim_, self.n_networks_ = s.hidden_dim, s.n_networks
        self.batch_size_, self.max_iter_ = s.config.batch_size, s.config.max_iter
        self.learning_rate_ = s.config.learning_rate
        self.weight_decay_ = s.config.weight_decay
        self.n_estimation_passes_, self.n_train_ = s.n_estimation_passes, s.n_train
        self.x_mean_, self.x_scale_ = scaling.x_mean, scaling.x_scale
        self.y_mean_, self.y_scale_ = scaling.y_mean, scaling.y_scale
        for name in ("x_normal_scores_", "y_normal_scores_"):  # of an earlier fit
            self.__dict__.pop(name, None)
        if scaling.maps_columns:
            self.x_normal_scores_ = scaling.x_normal_scores
            self.y_normal_scores_ = scaling.y_normal_scores
        self.networks_ = [r.network for r in result.training]
        self.network_ = self.networks_[0]
        self.n_iter_, self.best_iter_ = first.n_iter, first.best_iter
        self.loss_curve_ = first.loss_curve
        self.validation_loss_curve_ = first.validation_loss_curve
        self.check_steps_, self.compiled_ = first.check_steps, first.compiled
        self.entropies_, self.entropies_std_ = result.entropies, result.entropies_std
        for name in MI_ATTRIBUTES + ENTROPY_ATTRIBUTES:  # of an earlier fit
            self.__dict__.pop(name, None)
        if result.estimates:
            self.estimates_ = result.estimates
            self.estimates_std_ = result.estimates_std
            self.mutual_information_ = result.value
            self.mutual_information_std_ = result.value_std
            self.mutual_information_curve_ = first.mi_curve
            self.mutual_information_std_curve_ = first.mi_std_curve
        else:  # fitted without y: the curves in the units of the data
            self.entropy_, self.entropy_std_ = result.value, result.value_std
            jacobian = scaling.entropy_log_jacobian()["x"]
            self.entropy_curve_ = first.mi_curve + jacobian
            self.entropy_std_curve_ = first.mi_std_curve
        self.member_estimates_ = result.member_estimates
        self.tail_share_ = result.tail_share
        return self

    # ------------------------------------------------------------ new data
    def _standardisation(self):
        """The fitted map from ``(X, y)`` to standardised tensors."""
        return Standardisation(
            self.x_mean_,
            self.x_scale_,
            self.y_mean_,
            self.y_scale_,
            self.conditioning_columns_,
            getattr(self, "x_normal_scores_", None),
            getattr(self, "y_normal_scores_", None),
        )

    def _fitted_params(self):
        """The parameters the fit ran with: those of the marginal variant when it
        ran without y."""
        params = self.get_params()
        return params if len(self.y_scale_) else without_y(params)

    def _validate_new(self, X, y):
        """New data ``(X, y)`` as float arrays, y's labels coded; without y, a y
        of the training means (which no network call reads) and ``has_y`` False.

        Returns
        -------
        X, y : ndarray
        has_y : bool
        """
        check_is_fitted(self)
        if y is not None and hasattr(self, "classes_"):
            y = encode(y, self.classes_)
        X, y_new = validate_xy(self, X, y, reset=False)
        y = np.tile(self.y_mean_, (len(X), 1)) if y_new is None else y_new
        check_new_y(y, self.y_scale_.shape[0])
        return X, y, y_new is not None

    def _read_new(self, make_fn, X, y, has_y=True, small_times="clamp"):
        """Per-row terms of new data ``(X, y)`` from :meth:`_validate_new`,
        averaged over the members' networks (each reading every row with its own
        draws). Without y (``has_y`` False) y is absent from every call read: its
        values never reach the network nor key the draws."""
        device = fitted_device(self.device_)
        data = self._standardisation().tensors(X, y, device, dtype=torch.float64)
        groups = member_groups(self.networks_, self.n_networks_, self.n_folds)
        read = data if has_y else (data[0], data[2])  # what the calls see
        parts = []
        with torch_threads(self.n_threads):
            for member, networks in groups:
                fn = make_fn(in_float64(networks, device))
                keys = read_keys(read, self.seed_, member)
                parts.append(
                    read_rows(
                        fn, data, keys, self.sde_, self.n_estimation_passes, small_times
                    )
                )
        return {k: np.mean([p[k] for p in parts], axis=0) for k in parts[0]}

    def _check_fitted_with_y(self, method):
        """Refuse ``method``, which reads MI, on a fit without y."""
        check_is_fitted(self)
        if not len(self.y_scale_):
            raise ValueError(
                f"{method} reads mutual information, but this estimator was fitted "
                "without y (a density of X alone). Fit it on (X, y)."
            )

    def estimate_samples(self, X, y):
        """Per-row terms of the MI estimate of new data; their mean is
        :meth:`estimate`'s.

        Row i's value is the Monte Carlo integrand of the chosen estimate at that
        row, averaged over ``n_estimation_passes`` draws of a diffusion time and a
        noise: ``w(t) / 2`` times a squared difference of the network's noise
        predictions (the user guide's method page gives each form). With
        ``n_folds`` every member reads every row and a row's value is the mean of
        the members' values.

        A value is **not** the pointwise mutual information of the row, not even
        in expectation (a plain value is never negative with one network); only
        the mean over rows estimates the MI. A row's draws are seeded by
        ``seed_`` and by the row's own values: the same row gives the same value
        wherever it stands and whatever rows come with it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        values : ndarray of shape (n_samples,)
            In nats, float64.
        """
        self._check_fitted_with_y("estimate_samples")
        if y is None:
            raise ValueError("estimate_samples needs y: the MI is between X and y.")
        params = self.get_params()
        variant, sigma = make_variant(params), sigma_value(params)
        X, y, _ = self._validate_new(X, y)
        terms = self._read_new(
            lambda networks: mi_fn(variant, networks, self.sde_, sigma), X, y
        )
        return terms[chosen_term(params)]

    def confidence_interval(self, confidence_level=0.95):
        """A normal confidence interval for ``mutual_information_``.

        ``mutual_information_ +- z * mutual_information_std_``, ``z`` the normal
        quantile of ``confidence_level``. It covers what the standard error covers:
        not a bias shared by every network (see the Notes).

        Parameters
        ----------
        confidence_level : float, default=0.95
            Strictly between 0 and 1.

        Returns
        -------
        ci : ConfidenceInterval
            A named tuple ``(low, high)``, in nats.
        """
        check_is_fitted(self)
        if len(self.y_scale_):
            value, std = self.mutual_information_, self.mutual_information_std_
        else:
            value, std = self.entropy_, self.entropy_std_
        return normal_interval(value, std, confidence_level)

    def estimate(self, X, y):
        """MI of new data under the fitted networks, with its standard error.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        mi : float
            Estimate of the fitted variant and form, in nats: the mean of
            :meth:`estimate_samples`.
        std : float
            Its standard error, as ``mutual_information_std_``.
        """
        values = self.estimate_samples(X, y)
        if len(values) < 2:
            raise ValueError("estimate needs at least 2 rows for a standard error.")
        return mean_and_std(values, self.n_train_)

    def score_samples(self, X, y=None):
        """Per-row lower bound on the log-density of the fitted model, in nats, in
        the units of the data.

        With y, of the densities the estimate uses: ``log p(x) + log p(x | y)``
        for variant "c", ``log p(x, y) + log p(x | y) + log p(y | x)`` for "j".
        Without y, of X alone: ``log p(x)``, from a fit without y or from the
        marginal score of variant "c" (variant "j" has no density of X alone).
        Each is given Z as well with ``conditioning_columns``. A row's bound
        depends on that row only (its draws are seeded by its values). Where
        ``normal_scores`` mapped columns, the model of such a column is the
        network's density of its scores times the slope of the map: its marginal
        is a histogram of the training rows between adjacent quantiles (up to
        1,000), and a row beyond their range takes the outermost bin's density.
        Fits with and without normal scores are therefore comparable, and a grid
        search can choose ``normal_scores``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), or None

        Returns
        -------
        bound : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        params = self._fitted_params()
        if y is not None and not len(self.y_scale_):
            raise ValueError(
                "This estimator was fitted without y: score_samples(X) reads the "
                "density of X alone; do not pass y."
            )
        if y is None and make_variant(params).name == "j":
            raise ValueError(
                f"variant={self.variant!r} has no density of X alone: pass y, or fit "
                "variant 'c' (or without y) to score X alone."
            )
        variant = make_variant(params if y is not None else without_y(params))
        X, y, has_y = self._validate_new(X, y)
        terms = self._read_new(
            lambda networks: likelihood_fn(variant, networks, self.sde_),
            X,
            y,
            has_y,
            "drop",
        )
        log_scale = self._standardisation().log_scale(X, y)
        return likelihood_bound(terms["bound"], variant.calls, log_scale)

    def score(self, X, y=None):
        """Mean held-out log-likelihood bound, in nats per sample; higher is better.

        The mean of :meth:`score_samples`. Comparable across SDE settings, network
        sizes and training lengths, hence usable by GridSearchCV. It is not the MI
        estimate: a larger MI is not a better model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), or None

        Returns
        -------
        score : float
        """
        return float(self.score_samples(X, y).mean())


def fit_params(estimator, y):
    """The parameters a fit runs with: the estimator's, the marginal variant's for
    a y without columns, and ``"classes"``, the classes of a label y (else None)."""
    params = estimator.get_params(deep=False)
    params = params if y.shape[1] else without_y(params)
    return dict(params, classes=getattr(estimator, "classes_", None))


def fit_together(estimators, data):
    """Fit each estimator on its own ``(X, y)``, as its :meth:`~MINDEEstimator.fit`
    would.

    When the estimators have the same parameters and their data the same shapes
    (the refits of a permutation test), and ``stack_networks`` resolves to True
    for them, all their networks train as one stacked ensemble; otherwise one
    after the other. Either way each estimator ends fitted with its own numbers.

    Parameters
    ----------
    estimators : list of MINDEEstimator
    data : list of (array-like, array-like or None)
        The ``(X, y)`` of each estimator (y None: a fit without y).

    Returns
    -------
    list of MINDEEstimator
        The fitted estimators.
    """
    validated = [
        est._validated(X, y) for est, (X, y) in zip(estimators, data, strict=True)
    ]
    fits = [
        (fit_params(est, y), X, y, est.conditioning_columns_)
        for est, (X, y) in zip(estimators, validated, strict=True)
    ]
    results = fit_all(fits)
    return [est._set_fitted(r) for est, r in zip(estimators, results, strict=True)]
