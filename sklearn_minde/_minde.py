"""MINDEEstimator: mutual information and entropies from one trained score network."""

import copy
import itertools
import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._data import divergence_causes, scale_training_data, standardise
from ._network import ACTIVATIONS, auto_hidden_dim, auto_n_networks
from ._plumbing import (
    Choice,
    Number,
    check_parameters,
    conditioning_indices,
    fit_normal_scores,
    fitted_device,
    resolve_device,
    torch_threads,
    validate_xy,
)
from ._reader import (
    estimation_passes,
    likelihood_bound,
    mean_and_std,
    per_sample_terms,
    summarise,
    warn_if_concentrated,
)
from ._reference import (
    MAX_CORRECTED_WEIGHT_DECAY,
    GaussianReference,
    StandardReference,
    finite_sample_mi_bias,
    fitted_covariance,
)
from ._sde import VPSDE
from ._trainer import (
    TrainingConfig,
    TrainingJob,
    auto_max_iter,
    auto_weight_decay,
    init_network,
    make_generator,
    resolve_early_stopping,
    train,
    train_stacked,
    use_compile,
    warn_overfitting,
)
from ._variants import VARIANTS

#: What each parameter may be, checked at fit time in this order (``beta_max``'s
#: lower bound is ``beta_min``). ``device`` is checked when it is resolved, and
#: ``conditioning_columns`` against X.
PARAMETERS = {
    "variant": Choice(tuple(VARIANTS)),
    "sigma": Number(Real, 0, closed="neither", specials=(None,)),
    "beta_min": Number(Real, 0, closed="neither"),
    "beta_max": Number(Real, "beta_min", closed="neither"),
    "t_eps": Number(Real, 0, 1, closed="neither"),
    "importance_sampling": Choice((True, False)),
    "normal_scores": Choice((True, False)),
    "reference": Choice(("standard", "gaussian")),
    "hidden_dim": Number(Integral, 1, specials=("auto",)),
    "n_blocks": Number(Integral, 0),
    "activation": Choice(tuple(sorted(ACTIVATIONS))),
    "learning_rate": Number(Real, 0, closed="neither", specials=("auto",)),
    "learning_rate_schedule": Choice(("constant", "cosine")),
    "batch_size": Number(Integral, 1, specials=("auto",)),
    "conditional_share": Number(Real, 0, 1, closed="neither"),
    "max_iter": Number(Integral, 1, specials=("auto",)),
    "ema_decay": Number(Real, 0, 1, closed="left"),
    "weight_decay": Number(Real, 0, specials=("auto",)),
    "validation_fraction": Number(Real, 0, 1, closed="neither"),
    "n_folds": Number(Integral, 2, specials=(None,)),
    "n_networks": Number(Integral, 1, specials=("auto",)),
    "early_stopping": Choice(("auto", "mi", True, False)),
    "n_iter_no_change": Number(Integral, 1),
    "tol": Number(Real, 0, 1, closed="left"),
    "n_estimation_passes": Number(Integral, 1, specials=("auto",)),
    "compile": Choice(("auto", True, False)),
    "stack_networks": Choice(("auto", True, False)),
    "n_threads": Number(Integral, 1, specials=(None,)),
}


class MINDEEstimator(BaseEstimator):
    """Mutual information and entropies of continuous vectors by score-based diffusion.

    MINDE (Franzese et al., ICLR 2024) trains one noise-prediction network on the
    forward diffusion of ``(X, y)`` and reads Kullback-Leibler divergences, hence
    mutual information (MI) and entropies, off the difference of its scores. All
    results are in nats. With ``conditioning_columns``, some columns of ``X`` form a
    third variable Z, clean in every call of the network, and every estimate is
    conditional on it: the conditional MI ``I(X; Y | Z)`` and entropies such as
    ``H(X | Z)``.

    Parameters
    ----------
    variant : {"c", "j"}, default="c"
        ``"c"``: conditional diffusion (only X is diffused, y conditions);
        ``I = H(X) - H(X | Y)``, asymmetric in X and y. ``"j"``: joint diffusion of X
        and y; symmetric, and ``max_iter="auto"`` trains it twice as many steps.
    sigma : float or None, default=None
        None for the plain estimator (a squared difference of scores, never
        negative before the finite-sample correction of ``reference``); a
        positive float for the sigma form, a difference of entropies
        against the Gaussian reference ``N(0, sigma^2 I)`` on standardised data
        (with ``reference="gaussian"``: against the fitted Gaussian, and the value
        of ``sigma`` is not used). One trained network yields both; ``estimates_``
        reports both (with ``sigma=1`` standing in for None).
    conditioning_columns : None, int, str, array-like or slice, default=None
        The columns of ``X`` that hold the conditioning variable Z: positions (an
        int, a sequence of ints, a slice or a boolean mask) or, for a DataFrame,
        column names. None: no Z, the unconditional estimator. Z is fed to every
        network call and never diffused, so the network learns the scores of X
        (and, with variant "j", of y) given Z, and ``mutual_information_`` is
        ``I(X; y | Z)``, where X is the other columns. Z lives in ``X`` so that
        every cross-validation split, search and pipeline splits it with the rows
        (the user guide's page on conditional MI).
    beta_min, beta_max : float, default=0.1, 20.0
        Linear noise schedule ``beta(t)`` of the variance-preserving SDE on ``[0, 1]``.
    t_eps : float, default=1e-3
        Cut-off of the importance density of the diffusion time.
    importance_sampling : bool, default=True
        Draw times from the density proportional to the likelihood weight (the user
        guide's method page). If False, times are uniform on ``[t_eps, 1]`` (noisier).
    normal_scores : bool, default=False
        Map each column of X and y to normal scores before fitting (a
        :class:`~sklearn.preprocessing.QuantileTransformer` with normal output,
        fitted on the training rows). MI is unchanged by a strictly monotone map of
        each column, and the scores tame heavy tails and make every marginal
        standard normal. Entropies and likelihoods are not unchanged: with it,
        ``entropies_`` holds NaN and ``log_likelihood_bound`` / ``score`` describe
        the scores, not the data.
    reference : {"standard", "gaussian"}, default="standard"
        The distribution the network's output is a residual over (the user
        guide's method page). ``"standard"``: each standardised variable standard
        normal and independent of the other. ``"gaussian"``: the Gaussian fitted to
        the training rows (sample covariance), per role: marginal, conditional
        given the clean variable, joint. With ``"gaussian"`` an untrained network
        already reads the Gaussian MI of the data, and training learns only the
        departure from it; the entropies and the sigma form are then read against
        that Gaussian (a closed-form cross-entropy per row less a KL of the
        residual), not against ``N(0, sigma^2 I)``. Either way the ``d_x d_y``
        linear coefficients of the dependence, learnt from ``n_train`` rows, make
        the MI forms read ``d_x d_y / (2 n_train)`` nats off, to leading order,
        and the MI estimates take that out (the entropies are left as read;
        method page, "The finite-sample bias of the learnt dependence"): through
        the fitted Gaussian the plain forms read that much too high and the sigma
        forms too low; over the standard reference both read too high, and the
        estimates take it out when ``weight_decay_`` is at most 0.025
        (``weight_decay="auto"`` from about 3,900 training rows), as stronger
        decay already shrinks what the networks learn of the dependence. On the
        benchmark's 25- and 50-dimensional tasks "gaussian" reads about as well
        as the default (MAE 0.056 against 0.045 nats; benchmarks sections 5l and
        5m) and repairs MINDE-J's sigma form there, but it reads heavy tails and
        strongly non-linear dependence worse (a 25 + 25 Student-t pair with 3
        degrees of freedom +67 % against -5 %, a spiral -18 % against -14 %).
    hidden_dim : int or "auto", default="auto"
        Width of the network: 64 for up to 10 input columns (``d_x + d_y``), 128 up to
        50, else 256.
    n_blocks : int, default=2
        Residual blocks before the skip concatenation (one more follows it).
    activation : {"silu", "gelu", "relu", "tanh"}, default="silu"
        Activation of the residual blocks.
    learning_rate : float or "auto", default="auto"
        Adam's step size; "auto" is 3e-3.
    learning_rate_schedule : {"constant", "cosine"}, default="cosine"
        ``"cosine"``: a linear warm-up over the first 5 % of ``max_iter`` steps, then
        a cosine decay of the step size to 0 at ``max_iter``.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is 512. Capped at the number of training rows.
    conditional_share : float, default=0.5
        The share of training rows that train the conditional scores (split evenly
        between ``p(x | y)`` and ``p(y | x)`` with variant "j"); the rest train the
        unconditional one (``p(x)`` with "c", ``p(x, y)`` with "j"). Each row's
        roles are drawn at random with these odds. Every estimate reads a
        difference between the two kinds of score, so the share moves estimates:
        more rows for the conditional scores raised nearly every estimate of the
        benchmark (benchmarks section 5j). The default keeps it even.
    max_iter : int or "auto", default="auto"
        Maximum number of training steps; "auto" scales with the number of training
        rows, twice as many for ``variant="j"`` (see Notes).
    ema_decay : float, default=0.999
        Decay of the exponential moving average of the weights; the averaged network
        gives every estimate. At step t the decay used is ``min(ema_decay, (1 + t)
        / (10 + t))``, so that early weights fade quickly. That warm-up stays below
        0.999 for the first 8,990 steps, more than the default budget runs below
        about 36,000 training rows with ``variant="c"`` and 18,000 with "j" (2,000
        and 4,000 steps up to 8,000), so there ``ema_decay``
        of 0.999 or more changes nothing and the average weights roughly the last
        ninth of the steps (benchmarks section 5h).
    weight_decay : float or "auto", default="auto"
        Decoupled weight decay (AdamW): each step also shrinks the weights by
        ``learning_rate * weight_decay`` times themselves, pulling the network
        towards the reference of its skip. It keeps a network from memorising few
        training rows, which would bias the MI upwards. "auto" is
        ``min(1, (620 / n_train) ** 2)``: 1 up to 620 training rows, 0.6 for 800,
        0.15 for 1,600, 0.006 for 8,000. 0 trains with plain Adam.
    validation_fraction : float, default=0.2
        Share of the rows held out of training. MI, entropies and their standard
        errors are estimated on them, and early stopping watches their loss.
    n_folds : int or None, default=None
        None: one network, trained on ``1 - validation_fraction`` of the rows, reads
        the estimate on the rest. An integer K >= 2: cross-fitting. The rows are
        split into K folds; member k trains on the other K - 1 folds (with fold k
        for its checks and early stopping) and reads the estimate on fold k, so
        every row serves the estimate and no row is read by a network that trained
        on it. The standard error then includes the spread between the members
        (see ``mutual_information_std_``). Costs K trainings.
    n_networks : int or "auto", default="auto"
        Networks trained on the same rows, each from its own seed, and read together
        on the same draws (with ``n_folds``: per fold). With 2 or more, every
        squared difference of noise predictions in the estimates is read as the
        mean over pairs of networks of the inner product of their differences:
        each network's error is independent of the others', so the inner product
        drops the variance of that error, which a squared norm adds as a positive
        bias (largest in many dimensions; see the method page, "Several networks").
        Costs ``n_networks`` trainings. "auto": 2 from 50 network inputs (the
        columns of X and y) and 4,000 training rows on, else 1. At 8,000
        training rows one network over-estimated six of the seven 25- and
        50-dimensional tasks of the benchmark by 9-23 %, the pair by 4-12 %; at
        4,000 the pair took their mean error from 0.16 to 0.11 nats; at 1,600 it
        read low (benchmarks sections 5k, 5o and 4g).
    early_stopping : {"auto", "mi", True, False}, default="auto"
        ``"auto"``: stop when the held-out denoising loss of the averaged network
        has risen above its best by more than 3 standard errors of the paired
        difference on the same draws (over-fitting, typical below a few thousand
        rows), and read the estimate with the averaged network of the best check;
        from 8,000 training rows on, where over-fitting is mild and that network,
        not yet through the learning-rate decay, read the MI far too low (MINDE-J
        on 25- and 50-column tasks: -41 % to -1 %, the last network -13 % to +9 %;
        benchmarks section 5q), train to the end and read the last network, as
        False does. ``"mi"``: also stop once the held-out MI
        (``mutual_information_curve_``) has risen by less than its standard error
        over the last ``n_iter_no_change`` checks, so that a generous ``max_iter``
        becomes a cap that training uses only while the estimate still rises.
        True: also stop once the held-out loss has not improved by ``tol`` for
        ``n_iter_no_change`` consecutive checks (a plateau), reading the last
        network unless it over-fitted; that loss levels off long before the MI
        estimate stops improving (stopping on it cost 5-12 % of MI on the defaults
        study). False: run ``max_iter`` steps and read the last network.
        Over-fitting, when it shows, raises an :class:`OverfittingWarning` in every
        case.
    n_iter_no_change : int, default=10
        With ``early_stopping=True``: checks without improvement before stopping.
        There are 20 checks in ``max_iter`` steps, so the default stops once half
        the budget has not improved the held-out loss.
    tol : float, default=0.0
        With ``early_stopping=True``: minimum relative improvement of the held-out
        loss. The part of the loss that carries MI is small, so a positive ``tol``
        stops training too early.
    n_estimation_passes : int or "auto", default="auto"
        Monte Carlo passes over the rows an estimate reads; each pass draws one time
        and one noise per row. "auto": at least 8, and enough for 16,000 draws (8
        passes on the 2,000 held-out rows of a 10,000-row fit, 320 on the 50 of a
        250-row fit): on few rows, 8 passes leave a rare draw with a large
        importance weight free to dominate the mean.
    device : str or torch.device, default="auto"
        "auto" (CUDA when available, else the CPU), "cpu", "cuda", "cuda:1"...
    compile : {"auto", True, False}, default="auto"
        Run the network's forward and backward in each training step through
        ``torch.compile``. "auto": on CUDA devices only; on a CPU the cold compile
        (40-60 s on 2 cores) costs more than a default fit of 10,000 rows, for
        1.0-1.6 times the eager steps per second (benchmarks section 6). The
        numbers agree with eager training to float rounding. When compilation is
        unavailable or fails (on a CPU, typically no C++ compiler), training runs
        eagerly with one :class:`~sklearn_minde.CompileWarning`.
    stack_networks : {"auto", True, False}, default="auto"
        With several networks (``n_folds`` times ``n_networks``): train them as one
        stacked ensemble, one batched step for all, instead of one after the other.
        Each network draws what it would draw alone and gets the gradients it would
        get alone, so the estimates agree with separate training to float rounding;
        a network that stops early keeps its state while the others go on. "auto":
        on CUDA devices only, where one small network leaves the device mostly
        idle; on a CPU a stacked step costs about as much as the separate steps
        (benchmarks section 6).
    n_threads : int or None, default=1
        torch CPU threads while fitting and estimating; the caller's setting is
        restored afterwards. One thread is as fast as two for networks this small,
        and does not collapse when several fits share the cores (two threads per
        process on an oversubscribed machine ran 50x slower). None leaves torch's
        setting alone.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initial weights and every draw of training and
        estimation. torch's global RNG is left untouched.
    verbose : int, default=0
        If positive, show a progress bar with the current loss.

    Attributes
    ----------
    mutual_information_ : float
        MI estimate of the chosen variant and sigma, in nats.
    mutual_information_std_ : float
        Its standard error. Without ``n_folds``: the Monte Carlo and sampling
        noise of the held-out rows and, at first order, the sampling noise of the
        training rows, taken to add the held-out values' variance over
        ``n_train_`` rows (a factor ``sqrt(1 + n_read / n_train_)`` on the
        held-out error, 1.12 with the default hold-out); not the optimisation
        noise (initial weights, batches). On the 40 benchmark tasks the spread of
        the estimate between seeds was a median 0.96 of it (benchmarks section
        5m). With ``n_folds``: the sampling noise of all rows plus the variance
        between the members' estimates beyond it (training noise, from K members:
        a rough figure at small K). It does not cover a bias shared by every
        network.
    member_estimates_ : ndarray of shape (n_members,)
        The chosen estimate of each member on its own held-out rows (one member
        without ``n_folds``; a member is the ``n_networks`` networks of a fold).
    tail_share_ : float
        Share of the estimate carried by the largest 0.1 % of its Monte Carlo
        draws (held-out rows times passes; the largest share over the members).
        Near 0.001 when the draws contribute evenly; a
        :class:`ConcentratedEstimateWarning` says when it exceeds 0.2.
    estimates_ : dict of str to float
        Every estimate the trained network supports: ``"minde_c"`` and
        ``"minde_c_sigma"`` (variant "c"), or ``"minde_j"`` and ``"minde_j_sigma"``.
    estimates_std_ : dict of str to float
        Standard errors of ``estimates_``.
    entropies_ : dict of str to float
        Differential entropies in nats, in the units of the original data (NaN with
        ``normal_scores=True``): keys
        ``"x"``, ``"x|y"`` (variant "c"); ``"xy"``, ``"x|y"``, ``"y|x"``, ``"x"``,
        ``"y"`` (variant "j"). With ``conditioning_columns`` each is conditional on
        Z as well: ``"x|z"``, ``"x|y,z"``, ``"xy|z"``...
    loss_curve_ : ndarray of shape (`n_iter_`,)
        Training loss (mean squared noise error per coordinate) at each step.
    validation_loss_curve_ : ndarray of shape (n_checks,)
        Held-out loss of the averaged network at each check: every
        ``max(50, max_iter_ // 20)`` steps and at the last step.
    mutual_information_curve_ : ndarray of shape (n_checks,)
        The held-out MI of the chosen variant and sigma at each check, read with
        the averaged network on fixed draws (the held-out rows repeated with fresh
        noise up to 4,096 draws). A curve still rising at the end means that a
        longer fit would give a larger estimate.
    mutual_information_std_curve_ : ndarray of shape (n_checks,)
        Standard errors of ``mutual_information_curve_`` (Monte Carlo and sampling
        noise of those draws).
    check_steps_ : ndarray of shape (n_checks,)
        The training step after which each check ran.
    n_iter_ : int
        Training steps run (by the first member, as for ``best_iter_`` and the
        curves).
    best_iter_ : int
        The step of the averaged network the estimates are read with: after
        over-fitting under ``early_stopping`` (with "auto": below 8,000 training
        rows), the check with the lowest held-out loss; else ``n_iter_``.
    n_features_in_ : int
        Columns of X (the conditioning columns included).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of X, when X is a DataFrame with string column names.
    network_ : torch.nn.Module
        The averaged (EMA) network of the first member, kept on the CPU.
    networks_ : list of torch.nn.Module
        The averaged networks, member by member (``n_networks`` each);
        ``estimate``, ``estimate_samples``, ``score`` and ``log_likelihood_bound``
        on new data average over the members.
    device_ : str
        The device training ran on.
    n_train_ : int
        Rows each network trained on.
    x_normal_scores_, y_normal_scores_ : QuantileTransformer
        The per-column maps to normal scores (only with ``normal_scores=True``).
    x_mean_, x_scale_ : ndarray of shape (`n_features_in_`,)
        Column means and standard deviations of X's training rows (standardisation),
        the conditioning columns included.
    conditioning_columns_ : ndarray of int of shape (n_conditioning,)
        The positions in X of Z's columns, resolved from ``conditioning_columns``
        (empty without one).
    y_mean_, y_scale_ : ndarray of shape (n_targets,)
        The same for y.
    sde_ : VPSDE
        The forward SDE and its importance sampling of time.
    hidden_dim_, batch_size_, max_iter_, n_networks_ : int
        The values used, with "auto" resolved.
    learning_rate_, weight_decay_ : float
        The same.
    compiled_ : bool
        Whether training ran compiled (see ``compile``).
    n_estimation_passes_ : int
        Monte Carlo passes of the fit's reading (of the first member's rows, with
        ``n_folds``), "auto" resolved; a later ``estimate`` resolves it for its own
        rows.
    seed_ : int
        Seed drawn from ``random_state``; drives training and every estimate.

    See Also
    --------
    sklearn.feature_selection.mutual_info_regression : k-nearest-neighbour MI
        between each feature and a target.

    Notes
    -----
    Data are standardised per column inside ``fit``, exactly over the whole
    floating-point range; MI does not change, entropies are reported back in the
    original units. ``fit`` refuses, with a ValueError naming the column, a constant
    column and one whose values the floating-point format resolves more coarsely
    than 1/1000 of its standard deviation; it warns about discrete-looking columns
    (:class:`DiscreteDataWarning`) and collinear ones (:class:`RankDeficientWarning`),
    both :class:`DataWarning` (the user guide's limits page says what the estimates
    then mean, and how to silence the warnings).

    ``max_iter="auto"`` is about 128 epochs with ``variant="c"`` and 256 with "j",
    ``clip(epochs * n_train / batch_size, 2000, 20000)`` steps: 2,000 and 4,000 for
    10,000 rows, 20,000 from about 100,000 and 50,000 rows (benchmarks section 2i).

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
        variant="c",
        sigma=None,
        conditioning_columns=None,
        beta_min=0.1,
        beta_max=20.0,
        t_eps=1e-3,
        importance_sampling=True,
        normal_scores=False,
        reference="standard",
        hidden_dim="auto",
        n_blocks=2,
        activation="silu",
        learning_rate="auto",
        learning_rate_schedule="cosine",
        batch_size="auto",
        conditional_share=0.5,
        max_iter="auto",
        ema_decay=0.999,
        weight_decay="auto",
        validation_fraction=0.2,
        n_folds=None,
        n_networks="auto",
        early_stopping="auto",
        n_iter_no_change=10,
        tol=0.0,
        n_estimation_passes="auto",
        device="auto",
        compile="auto",
        stack_networks="auto",
        n_threads=1,
        random_state=None,
        verbose=0,
    ):
        self.variant = variant
        self.sigma = sigma
        self.conditioning_columns = conditioning_columns
        self.beta_min = beta_min
        self.beta_max = beta_max
        self.t_eps = t_eps
        self.importance_sampling = importance_sampling
        self.normal_scores = normal_scores
        self.reference = reference
        self.hidden_dim = hidden_dim
        self.n_blocks = n_blocks
        self.activation = activation
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.conditional_share = conditional_share
        self.max_iter = max_iter
        self.ema_decay = ema_decay
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.n_folds = n_folds
        self.n_networks = n_networks
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.n_estimation_passes = n_estimation_passes
        self.device = device
        self.compile = compile
        self.stack_networks = stack_networks
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y):
        """Train the score network on ``(X, y)`` and estimate MI and entropies.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            First variable, continuous, and the conditioning variable Z in the
            ``conditioning_columns``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Second variable, continuous.

        Returns
        -------
        self : MINDEEstimator
            The fitted estimator.
        """
        return fit_together([self], [(X, y)])[0]

    def _validated(self, X, y):
        """``(X, y)`` validated for :meth:`fit`, the parameters checked and the
        conditioning columns resolved."""
        X, y = validate_xy(self, X, y, reset=True)
        self._check_params()
        self.conditioning_columns_ = conditioning_indices(
            self.conditioning_columns,
            X.shape[1],
            getattr(self, "feature_names_in_", None),
        )
        return X, y

    def _prepare(self, X, y):
        """The first part of :meth:`fit`, on validated arrays: split, standardise,
        set the training settings and initialise each network.

        Returns
        -------
        members : list of (int or None, tuple of torch.Tensor)
            Each member's stream key and its training and read rows as tensors
            ``(x, y, z, x_read, y_read, z_read)``.
        jobs : list of TrainingJob
            The networks to train, ``n_networks`` per member, member by member.
        config : TrainingConfig
        """
        rng = check_random_state(self.random_state)
        splits = self._splits(X.shape[0], rng)
        scaled_rows = splits[0][0] if self.n_folds is None else slice(None)
        if self.normal_scores:
            self.x_normal_scores_ = fit_normal_scores(X[scaled_rows])
            self.y_normal_scores_ = fit_normal_scores(y[scaled_rows])
        X, y = self._normal_scores(X, y)
        scaling = scale_training_data({"X": X[scaled_rows], "y": y[scaled_rows]})
        self.x_mean_, self.x_scale_ = scaling["X"]
        self.y_mean_, self.y_scale_ = scaling["y"]
        self.seed_ = int(rng.randint(np.iinfo(np.int32).max))

        device = resolve_device(self.device)
        self.device_ = str(device)
        self.sde_ = VPSDE(
            self.beta_min, self.beta_max, self.t_eps, self.importance_sampling
        )
        d = X.shape[1] + y.shape[1]  # network inputs, Z included
        d_z = len(self.conditioning_columns_)
        self.hidden_dim_ = (
            auto_hidden_dim(d) if self.hidden_dim == "auto" else self.hidden_dim
        )
        n_train = len(splits[0][0])
        self.n_networks_ = (
            auto_n_networks(d, n_train)
            if self.n_networks == "auto"
            else self.n_networks
        )
        config = self._training_config(n_train, device)
        self.batch_size_ = config.batch_size
        self.learning_rate_ = config.learning_rate
        self.max_iter_ = config.max_iter
        self.weight_decay_ = config.weight_decay
        self.n_estimation_passes_ = estimation_passes(
            self.n_estimation_passes, len(splits[0][1])
        )
        members = []  # (member key, training + read rows as tensors)
        jobs = []  # the networks to train
        for member, (train_rows, read_rows) in self._members(splits):
            data = self._to_tensors(X[train_rows], y[train_rows], device)
            data += self._to_tensors(X[read_rows], y[read_rows], device)
            members.append((member, data))
            reference = self._reference(*data[:3])
            for stream in self._network_streams(member):
                network = init_network(
                    d - d_z,
                    self.hidden_dim_,
                    self.n_blocks,
                    self.activation,
                    self.seed_,
                    reference=reference,
                    member=stream,
                    n_conditioning=d_z,
                )
                jobs.append(TrainingJob(network.to(device), data, self.seed_, stream))
        return members, jobs, config

    def _finish(self, members, results):
        """The last part of :meth:`fit`: read each member's estimate with its trained
        networks (``results``, in the order of :meth:`_prepare`'s jobs) and set
        the fitted attributes."""
        device = torch.device(self.device_)
        k = self.n_networks_
        read = [
            self._mi_terms(
                [r.network for r in results[i * k : (i + 1) * k]],
                data[3:],
                device,
                member,
            )
            for i, (member, data) in enumerate(members)
        ]
        terms, shares = zip(*read, strict=True)
        self._set_training_attributes(results, len(members[0][1][0]))
        self._set_estimates(list(terms), shares, *members[0][1][:2])
        return self

    def _splits(self, n_samples, rng):
        """``(train_rows, read_rows)`` of each member: one held-out split, or the
        ``n_folds`` folds of cross-fitting (member k reads fold k)."""
        perm = rng.permutation(n_samples)
        if self.n_folds is None:
            n_val = self._n_validation(n_samples)
            return [(perm[n_val:], perm[:n_val])]
        if n_samples < 2 * self.n_folds:
            raise ValueError(
                f"Found {n_samples} samples: n_folds={self.n_folds} needs at least "
                f"{2 * self.n_folds}, so that every fold holds at least 2 rows."
            )
        folds = np.array_split(perm, self.n_folds)
        return [
            (np.concatenate(folds[:k] + folds[k + 1 :]), fold)
            for k, fold in enumerate(folds)
        ]

    def _members(self, splits):
        """The splits with the ``member`` key of their random streams: None for the
        single network (the streams of earlier versions), else the fold index."""
        if self.n_folds is None:
            return [(None, splits[0])]
        return list(enumerate(splits))

    def _network_streams(self, member):
        """The random-stream keys of a member's ``n_networks`` networks: the
        member's own key for the first (so that one network is the fit of
        ``n_networks=1``), then keys no other network of the fit uses."""
        offset = self.n_folds or 1
        return [member] + [
            (member or 0) + offset * j for j in range(1, self.n_networks_)
        ]

    def _groups(self):
        """``networks_`` member by member, with each member's stream key."""
        k = self.n_networks_
        groups = [self.networks_[i : i + k] for i in range(0, len(self.networks_), k)]
        members = [None] if self.n_folds is None else range(len(groups))
        return list(zip(members, groups, strict=True))

    def _set_training_attributes(self, results, n_train):
        """Networks, curves (of the first member) and the over-fitting warning."""
        self.networks_ = [r.network for r in results]
        self.network_ = self.networks_[0]
        self.n_train_ = n_train
        first = results[0]
        self.n_iter_ = first.n_iter
        self.loss_curve_ = first.loss_curve
        self.validation_loss_curve_ = first.validation_loss_curve
        self.mutual_information_curve_ = first.mi_curve
        self.mutual_information_std_curve_ = first.mi_std_curve
        self.check_steps_ = first.check_steps
        self.best_iter_ = first.best_iter
        self.compiled_ = first.compiled
        overfit = [r for r in results if r.overfit_iter is not None]
        if overfit:
            warn_overfitting(overfit[0], n_train, self.early_stopping)

    def _set_estimates(self, terms, tail_shares, x, y):
        """Estimates, standard errors and entropies from each member's per-row
        terms on its own held-out rows; ``x, y``, standardised training rows, for
        the error a non-finite estimate raises."""
        self.estimates_, self.estimates_std_, self.entropies_ = summarise(
            terms,
            f"minde_{self._variant.name}",
            self._log_scale(),
            conditional=len(self.conditioning_columns_) > 0,
            n_train=self.n_train_,
        )
        key = "minde_" + self._variant.name + ("" if self.sigma is None else "_sigma")
        self.mutual_information_ = self.estimates_[key]
        self.mutual_information_std_ = self.estimates_std_[key]
        if self.normal_scores:  # densities of the scores, not of the data
            self.entropies_ = dict.fromkeys(self.entropies_, np.nan)
        self.member_estimates_ = np.array([t[self._chosen_term].mean() for t in terms])
        self.tail_share_ = max(tail_shares)
        if not np.isfinite(self.mutual_information_):
            raise FloatingPointError(
                "The MI estimate is not finite: the network is unusable on these data. "
                + divergence_causes(x, y, self.learning_rate_)
            )
        warn_if_concentrated(self.tail_share_)

    def _training_config(self, n_train, device):
        """The training settings, with "auto" resolved for ``n_train`` rows on
        ``device``."""
        batch_size = min(512 if self.batch_size == "auto" else self.batch_size, n_train)
        return TrainingConfig(
            batch_size=batch_size,
            max_iter=(
                auto_max_iter(n_train, batch_size, self._variant.auto_epochs)
                if self.max_iter == "auto"
                else self.max_iter
            ),
            learning_rate=3e-3 if self.learning_rate == "auto" else self.learning_rate,
            ema_decay=self.ema_decay,
            weight_decay=(
                auto_weight_decay(n_train)
                if self.weight_decay == "auto"
                else self.weight_decay
            ),
            early_stopping=resolve_early_stopping(self.early_stopping, n_train),
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            verbose=self.verbose,
            sigma=self._sigma_value(),
            estimate=self._chosen_term,
            schedule=self.learning_rate_schedule,
            compile=use_compile(self.compile, device),
        )

    def _reference(self, x, y, z):
        """The reference distribution of the network's skip, from training rows."""
        if self.reference == "standard":
            unregularised = self.weight_decay_ <= MAX_CORRECTED_WEIGHT_DECAY
            return StandardReference(
                finite_sample_mi_bias(x.shape[1], y.shape[1], x.shape[0])
                if unregularised
                else 0.0
            )
        cov = fitted_covariance(*(v.double().cpu().numpy() for v in (x, y, z)))
        return GaussianReference(
            cov, x.shape[1], self._variant.calls, z.shape[1], n_rows=x.shape[0]
        )

    @property
    def _chosen_term(self):
        """The per-row term of the chosen form: ``"mi"`` or ``"mi_sigma"``."""
        return "mi" if self.sigma is None else "mi_sigma"

    @property
    def _variant(self):
        """The variant, with the training mixture of ``conditional_share``."""
        return type(VARIANTS[self.variant])(self.conditional_share)

    def _log_scale(self):
        """Sum of the log column scales of X (without Z, which only conditions) and
        of y (see ``_reader.log_jacobian``)."""
        x_scale = self.x_scale_[self._x_columns()]
        return {"x": np.log(x_scale).sum(), "y": np.log(self.y_scale_).sum()}

    def _x_columns(self):
        """The positions in X of the first variable's columns: all but Z's."""
        return np.delete(np.arange(self.n_features_in_), self.conditioning_columns_)

    def _check_params(self):
        check_parameters(self.get_params(deep=False), PARAMETERS)

    def _n_validation(self, n_samples):
        """Rows held out; at least 2 held out and 2 left to train on."""

        def split(n):
            n_val = math.ceil(self.validation_fraction * n)
            return n_val, n - n_val

        n_val, n_train = split(n_samples)
        if n_val < 2 or n_train < 2:
            f = self.validation_fraction
            start = max(4, int(1 / f) - 1, int(2 / (1 - f)) - 2)  # lower bounds
            minimum = next(n for n in itertools.count(start) if min(split(n)) >= 2)
            raise ValueError(
                f"Found {n_samples} samples: with validation_fraction="
                f"{self.validation_fraction}, at least {minimum} are needed to train "
                "on some rows and estimate on at least 2 held-out rows."
            )
        return n_val

    def _normal_scores(self, X, y):
        """``(X, y)`` mapped to normal scores column by column, when asked for."""
        if not self.normal_scores:
            return X, y
        return self.x_normal_scores_.transform(X), self.y_normal_scores_.transform(y)

    def _to_tensors(self, X, y, device):
        """Standardise with the training statistics and split Z off X: float32
        tensors ``(x, y, z)`` on ``device`` (z with 0 columns without one)."""
        xs = standardise(X, self.x_mean_, self.x_scale_)
        ys = standardise(y, self.y_mean_, self.y_scale_)
        zs = xs[:, self.conditioning_columns_]
        return tuple(
            torch.as_tensor(a, dtype=torch.float32, device=device)
            for a in (xs[:, self._x_columns()], ys, zs)
        )

    # ---------------------------------------------------------------- estimation
    def _sigma_value(self):
        return 1.0 if self.sigma is None else float(self.sigma)

    def _mi_fn(self, networks):
        """``fn(x, y, z, t, eps_x, eps_y)``: the per-row terms of the estimates and
        entropies under a member's ``networks`` (read together, see
        ``n_networks``)."""
        sigma = self._sigma_value()

        def fn(*draw):
            return self._variant.mi_terms(networks, *draw, self.sde_, sigma)

        return fn

    def _likelihood_fn(self, networks):
        """``fn(x, y, z, t, eps_x, eps_y)``: the per-row likelihood bound terms, the
        mean over a member's ``networks``."""

        def fn(*draw):
            return {"bound": self._variant.likelihood_terms(networks, *draw, self.sde_)}

        return fn

    def _mi_terms(self, networks, data, device, member):
        """Per-row terms of the estimates and entropies of one member's networks on
        standardised tensors ``data = (x, y, z)``."""
        fn = self._mi_fn(self._on(networks, device))
        return self._read(fn, data, device, member, tail_of=self._chosen_term)

    def _read(self, fn, data, device, member, small_times="clamp", tail_of=None):
        """:func:`per_sample_terms` with the member's estimation stream."""
        generator = make_generator(self.seed_, "estimation", device, member)
        passes = estimation_passes(self.n_estimation_passes, len(data[0]))
        return per_sample_terms(
            fn, *data, self.sde_, passes, generator, small_times, tail_of
        )

    def _ensemble_terms(self, make_fn, X, y, small_times="clamp"):
        """Per-row terms of new data ``(X, y)``, validated here, averaged over the
        members' networks (each reading every row with its own draws)."""
        data, device = self._new_data(X, y)
        with torch_threads(self.n_threads):
            parts = [
                self._read(
                    make_fn(self._on(nets, device)), data, device, m, small_times
                )
                for m, nets in self._groups()
            ]
        return {k: np.mean([p[k] for p in parts], axis=0) for k in parts[0]}

    @staticmethod
    def _on(networks, device):
        """The networks on ``device`` (copies unless it is the CPU)."""
        if device.type == "cpu":
            return networks
        return [copy.deepcopy(net).to(device) for net in networks]

    def _new_data(self, X, y):
        """Validate data given after ``fit``; standardised tensors ``(x, y, z)`` and
        the device."""
        check_is_fitted(self)
        X, y = validate_xy(self, X, y, reset=False)
        if y.shape[1] != self.y_scale_.shape[0]:
            raise ValueError(
                f"y has {y.shape[1]} columns, but MINDEEstimator was fitted on a y "
                f"with {self.y_scale_.shape[0]}."
            )
        device = fitted_device(self.device_)
        return self._to_tensors(*self._normal_scores(X, y), device), device

    def estimate_samples(self, X, y):
        """Per-row terms of the MI estimate of new data; their mean is
        :meth:`estimate`'s.

        Row i's value is the Monte Carlo integrand of the chosen estimate (the
        fitted ``variant`` and ``sigma``) at that row, averaged over
        the passes of ``n_estimation_passes``. Each pass draws one diffusion time ``t``
        (from the importance density ``q`` of time, or uniformly with
        ``importance_sampling=False``) and one noise per row, diffuses the row to
        that noise level, and takes ``w(t) / 2`` times a squared difference of the
        network's noise predictions there, where ``w(t) = r(t) / q(t)`` is the
        importance weight of the draw (the constant ``Z``, about 20.26 with the
        default schedule, for ``t >= t_eps``). It is thus a one-draw-per-pass
        estimate of the row's time integral ``1/2 int g(t)^2 ||s_a - s_b||^2 dt``
        of the user guide's method page:

        - plain MINDE-C: ``||eps(x_t | y) - eps(x_t)||^2``;
        - plain MINDE-J: ``||eps(x_t, y_t) - [eps(x_t | y); eps(y_t | x)]||^2``;
        - sigma forms: the same calls' squared distances to the noise prediction
          of the Gaussian reference ``N(0, sigma^2 I)``, ``||eps(x_t | y) -
          ref||^2 - ||eps(x_t) - ref||^2`` for MINDE-C and ``||eps(x_t | y) -
          ref||^2 + ||eps(y_t | x) - ref||^2 - ||eps(x_t, y_t) - ref||^2`` for
          MINDE-J. With ``reference="gaussian"`` each call's ``ref`` is that
          call's fitted Gaussian, and the row's value adds the Gaussian's log
          density ratio, ``log q(x | y) - log q(x)`` for MINDE-C (method page).

        Plain values are never negative with one network before the
        finite-sample correction (``reference``), which takes the same constant
        off every row; sigma values can be negative.
        With ``n_networks`` of 2 or more each squared difference is the mean over
        pairs of networks of the inner product of their differences (same draws),
        which can be negative too. With
        ``conditioning_columns`` every call also sees the row's Z, clean: the
        terms of ``I(X; y | Z)``. With ``n_folds`` every member's network reads
        every row, each with its own draws, and a row's value is the mean of the
        members' values, exactly as :meth:`estimate` reads new data (not as
        ``fit`` does, where member k reads only its own fold).

        Each value is noisy, and it is **not** the pointwise mutual information
        ``log p(x, y) - log p(x) - log p(y)`` of the row, not even in expectation
        over the draws (a plain value is never negative, a pointwise MI can be):
        only the mean over rows estimates the MI (averaged over rows that share a
        y, MINDE-C's plain terms estimate ``KL(p(x | y) || p(x))``, the share of
        the MI from that y). ``estimate(X, y)`` returns
        ``values.mean()`` and its standard error ``values.std(ddof=1) /
        sqrt(n_samples)``. The draws come from one random stream over the rows in
        order, seeded by ``seed_``: the same ``(X, y)`` gives the same values on
        every call, but a row's value depends on its position among the rows
        passed. Read on the rows ``fit`` held out, in its order, the values
        average to ``mutual_information_`` (without ``n_folds``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        values : ndarray of shape (n_samples,)
            In nats, float64.
        """
        return self._ensemble_terms(self._mi_fn, X, y)[self._chosen_term]

    def estimate(self, X, y):
        """MI of new data under the fitted network, with its standard error.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        mi : float
            Estimate of the fitted variant and sigma, in nats: the mean of
            :meth:`estimate_samples`.
        std : float
            Its standard error: Monte Carlo and sampling noise of these rows and,
            at first order, of the rows the networks trained on (as
            ``mutual_information_std_``); not network bias.
        """
        return mean_and_std(self.estimate_samples(X, y), self.n_train_)

    def log_likelihood_bound(self, X, y):
        """Per-sample lower bound on the log-likelihood of the densities the estimate
        uses, in nats, in the units of the original data (section 6 of the method
        page, docs/user_guide/method.rst).

        For variant "c" it bounds ``log p(x) + log p(x | y)``; for variant "j",
        ``log p(x, y) + log p(x | y) + log p(y | x)``; each given z as well with
        ``conditioning_columns``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        bound : ndarray of shape (n_samples,)
        """
        terms = self._ensemble_terms(self._likelihood_fn, X, y, "drop")
        return likelihood_bound(terms["bound"], self._variant.calls, self._log_scale())

    def score(self, X, y):
        """Mean held-out log-likelihood bound, in nats per sample; higher is better.

        Comparable across SDE settings, network sizes and training lengths, hence
        usable by GridSearchCV. See :meth:`log_likelihood_bound` for the densities
        bounded by each variant. It is not the MI estimate: a larger MI is not a
        better model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        score : float
        """
        return float(self.log_likelihood_bound(X, y).mean())


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
    data : list of (array-like, array-like)
        The ``(X, y)`` of each estimator.

    Returns
    -------
    list of MINDEEstimator
        The fitted estimators.
    """
    validated = [
        est._validated(X, y) for est, (X, y) in zip(estimators, data, strict=True)
    ]
    first = estimators[0]
    with torch_threads(first.n_threads):
        prepared, jobs = [], []
        for est, (X, y) in zip(estimators, validated, strict=True):
            prepared.append(est._prepare(X, y))
            jobs += prepared[-1][1]
        if len(jobs) > 1 and _stackable(estimators, data):
            results = train_stacked(jobs, first.sde_, first._variant, prepared[0][2])
        else:
            results = []
            for est, (_, est_jobs, config) in zip(estimators, prepared, strict=True):
                for job in est_jobs:
                    results.append(
                        train(
                            job.network,
                            *job.data,
                            est.sde_,
                            est._variant,
                            config,
                            job.seed,
                            job.member,
                        )
                    )
        for result in results:
            result.network = result.network.cpu()
        start = 0
        for est, (members, est_jobs, _) in zip(estimators, prepared, strict=True):
            est._finish(members, results[start : start + len(est_jobs)])
            start += len(est_jobs)
    return estimators


def _stackable(estimators, data):
    """Whether the estimators' networks can and should train as one ensemble: the
    same parameters, data of the same shapes, and ``stack_networks`` True, or
    "auto" on a CUDA device."""
    params = estimators[0].get_params(deep=False)
    shapes = {(np.shape(X), np.shape(y)) for X, y in data}
    if len(shapes) > 1 or any(
        est.get_params(deep=False) != params for est in estimators
    ):
        return False
    stack = params["stack_networks"]
    return (
        torch.device(estimators[0].device_).type == "cuda" if stack == "auto" else stack
    )
