"""The fit plan: settings -> rows -> training jobs -> train -> read.

Plain functions of the estimator's parameters (a dict, as ``get_params`` gives it)
and of validated arrays. They return a :class:`FitResult` and never call back into
the estimator, which sets its fitted attributes from it in one place.
"""

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils import check_random_state

from ._auto import (
    auto_batch_size,
    auto_learning_rate,
    corrects_finite_sample_bias,
    estimation_passes,
    resolve_device,
    resolve_early_stopping,
    resolve_hidden_dim,
    resolve_max_iter,
    resolve_n_networks,
    resolve_weight_decay,
    use_compile,
    use_stacking,
)
from ._checks import still_rising, warn_overfitting, warn_still_rising
from ._data import Standardisation, divergence_causes
from ._labels import check_every_class_trains, label_index
from ._reader import (
    log_jacobian,
    mi_fn,
    read_member,
    summarise,
    warn_if_concentrated,
)
from ._reference import (
    GaussianReference,
    StandardReference,
    finite_sample_mi_bias,
    fitted_covariance,
)
from ._runtime import on_device, torch_threads
from ._sde import VPSDE
from ._training import TrainingConfig, TrainingJob, init_network, train, train_stacked
from ._validation import check_fold_count, n_held_out
from ._variants import MARGINAL, VARIANTS, variant_name


# ------------------------------------------------------------------- settings
def make_variant(params):
    """The variant of ``params["variant"]`` with its ``conditional_share``
    (``"marginal"``: the fit without y)."""
    name = variant_name(params["variant"])
    if name == MARGINAL.name:
        return MARGINAL
    return type(VARIANTS[name])(params["conditional_share"])


def without_y(params):
    """``params`` for a fit without y: the marginal variant."""
    return dict(params, variant=MARGINAL.name)


def chosen_term(params):
    """The per-row term of the chosen estimate: ``"mi"``, or ``"mi_sigma"`` with a
    ``sigma``; ``"h_x"`` for a fit without y."""
    if params["variant"] == MARGINAL.name:
        return "h_x"
    return "mi" if params["sigma"] is None else "mi_sigma"


def sigma_value(params):
    """The reference scale of the sigma forms (1 when ``sigma`` is None)."""
    return 1.0 if params["sigma"] is None else float(params["sigma"])


def make_sde(params):
    """The forward SDE of ``params``."""
    return VPSDE(
        params["beta_min"],
        params["beta_max"],
        params["t_eps"],
        params["importance_sampling"],
    )


def training_config(params, n_train, device):
    """The training settings, with "auto" resolved for ``n_train`` rows on
    ``device``."""
    batch_size = auto_batch_size(params["batch_size"], n_train)
    return TrainingConfig(
        batch_size=batch_size,
        max_iter=resolve_max_iter(
            params["max_iter"], n_train, batch_size, variant_name(params["variant"])
        ),
        learning_rate=auto_learning_rate(params["learning_rate"]),
        ema_decay=params["ema_decay"],
        weight_decay=resolve_weight_decay(params["weight_decay"], n_train),
        early_stopping=resolve_early_stopping(params["early_stopping"], n_train),
        n_iter_no_change=params["n_iter_no_change"],
        verbose=params["verbose"],
        sigma=sigma_value(params),
        estimate=chosen_term(params),
        schedule=params["learning_rate_schedule"],
        compile=use_compile(params["compile"], device),
    )


@dataclass
class Settings:
    """The settings of one fit, every "auto" resolved.

    Attributes
    ----------
    params : dict
        The estimator's parameters.
    seed : int
        Drawn from ``random_state``; every random stream of the fit derives from it.
    device : torch.device
    sde : VPSDE
    hidden_dim, n_networks, n_train, n_estimation_passes : int
    config : TrainingConfig
    """

    params: dict
    seed: int
    device: torch.device
    sde: VPSDE
    hidden_dim: int
    n_networks: int
    n_train: int
    n_estimation_passes: int
    config: TrainingConfig

    @property
    def variant(self):
        return make_variant(self.params)


def resolve_settings(params, seed, n_features, n_train, n_read):
    """:class:`Settings` for ``n_features`` network inputs (Z included),
    ``n_train`` training rows and ``n_read`` rows to read."""
    device = resolve_device(params["device"])
    return Settings(
        params=params,
        seed=seed,
        device=device,
        sde=make_sde(params),
        hidden_dim=resolve_hidden_dim(params["hidden_dim"], n_features),
        n_networks=resolve_n_networks(params["n_networks"], n_features, n_train),
        n_train=n_train,
        n_estimation_passes=estimation_passes(params["n_estimation_passes"], n_read),
        config=training_config(params, n_train, device),
    )


# ----------------------------------------------------------------------- rows
def split_rows(params, n_samples, rng, strata=None):
    """``(train_rows, read_rows)`` of each member: one held-out split, or the
    ``n_folds`` folds of cross-fitting (member k reads fold k).

    With ``strata`` (a class index per row), each class is split in proportion to
    its rows, so that every class of two rows or more trains every member (for a
    held-out share up to one half).
    """
    perm = rng.permutation(n_samples)
    if strata is not None:
        perm = perm[np.argsort(place_in_class(strata[perm]), kind="stable")]
    n_folds = params["n_folds"]
    if n_folds is None:
        n_val = n_held_out(params["validation_fraction"], n_samples)
        return [(perm[n_val:], perm[:n_val])]
    check_fold_count(n_folds, n_samples)
    folds = np.array_split(perm, n_folds)
    return [
        (np.concatenate(folds[:k] + folds[k + 1 :]), fold)
        for k, fold in enumerate(folds)
    ]


def place_in_class(strata):
    """Each row's place among the rows of its class, ``(rank + 1/2) / count``, in
    the order given: sorting by it spreads every class evenly along the order."""
    classes, codes, counts = np.unique(strata, return_inverse=True, return_counts=True)
    rank = np.empty(len(strata))
    for c in range(len(classes)):
        rows = np.flatnonzero(codes == c)
        rank[rows] = np.arange(len(rows))
    return (rank + 0.5) / counts[codes]


def member_keys(n_folds, n_members):
    """The random-stream key of each member: None for the single network (the
    streams of earlier versions), else the fold index."""
    return [None] if n_folds is None else list(range(n_members))


def network_streams(member, n_folds, n_networks):
    """The random-stream keys of a member's ``n_networks`` networks: the member's
    own key for the first (so that one network is the fit of ``n_networks=1``),
    then keys no other network of the fit uses."""
    offset = n_folds or 1
    return [member] + [(member or 0) + offset * j for j in range(1, n_networks)]


def member_groups(networks, n_networks, n_folds):
    """``networks`` member by member, with each member's stream key."""
    groups = [networks[i : i + n_networks] for i in range(0, len(networks), n_networks)]
    return list(zip(member_keys(n_folds, len(groups)), groups, strict=True))


# ---------------------------------------------------------------------- jobs
def make_reference(params, variant, weight_decay, x, y, z):
    """The reference distribution of the network's skip, from training rows."""
    if params["reference"] == "standard":
        bias = 0.0
        if corrects_finite_sample_bias(weight_decay):
            bias = finite_sample_mi_bias(x.shape[1], y.shape[1], x.shape[0])
        return StandardReference(bias)
    cov = fitted_covariance(*(v.double().cpu().numpy() for v in (x, y, z)))
    return GaussianReference(cov, x.shape[1], variant.calls, z.shape[1], x.shape[0])


@dataclass
class Prepared:
    """A fit ready to train: its settings, standardisation, members and jobs.

    ``members`` holds each member's stream key and its training and read rows as
    tensors ``(x, y, z, x_read, y_read, z_read)``; ``jobs`` the networks to train,
    ``n_networks`` per member, member by member.
    """

    settings: Settings
    standardisation: Standardisation
    members: list
    jobs: list


def prepare(params, X, y, z_columns):
    """Split, standardise, resolve the settings and initialise each network.

    Parameters
    ----------
    params : dict
        The estimator's parameters, with ``"classes"``: the sorted class labels
        when y is a label, else None.
    X, y : ndarray
        Validated arrays, y 2-D (with 0 columns for a fit without y, the dummy
        code of a label when ``params["classes"]`` is not None); Z's columns are
        in X.
    z_columns : ndarray of int
        The positions of Z's columns in X.

    Returns
    -------
    Prepared
    """
    rng = check_random_state(params["random_state"])
    classes = params["classes"]
    strata = None if classes is None else label_index(y)
    splits = split_rows(params, X.shape[0], rng, strata)
    if classes is not None:
        check_every_class_trains(strata, splits, classes)
    scaled_rows = splits[0][0] if params["n_folds"] is None else slice(None)
    standardisation = Standardisation.fit(
        X, y, scaled_rows, z_columns, params["normal_scores"], classes is not None
    )
    X, y = standardisation.normal_scores(X, y)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    d = X.shape[1] + y.shape[1]  # network inputs, Z included
    settings = resolve_settings(params, seed, d, len(splits[0][0]), len(splits[0][1]))
    device, variant = settings.device, settings.variant
    keys = member_keys(params["n_folds"], len(splits))
    members, jobs = [], []
    for member, (train_rows, read_rows) in zip(keys, splits, strict=True):
        data = standardisation.tensors(X[train_rows], y[train_rows], device, False)
        data += standardisation.tensors(X[read_rows], y[read_rows], device, False)
        members.append((member, data))
        reference = make_reference(
            params, variant, settings.config.weight_decay, *data[:3]
        )
        for stream in network_streams(member, params["n_folds"], settings.n_networks):
            network = init_network(
                d - len(z_columns),
                settings.hidden_dim,
                params["n_blocks"],
                params["activation"],
                seed,
                reference=reference,
                member=stream,
                n_conditioning=len(z_columns),
            )
            jobs.append(TrainingJob(network.to(device), data, seed, stream))
    return Prepared(settings, standardisation, members, jobs)


# --------------------------------------------------------------------- train
def stackable(prepared, shapes):
    """Whether the fits' networks can and should train as one ensemble: the same
    parameters, data of the same shapes, more than one network, and
    ``stack_networks`` True (or "auto" on a CUDA device)."""
    params = prepared[0].settings.params
    jobs = sum(len(p.jobs) for p in prepared)
    return (
        jobs > 1
        and len(set(shapes)) == 1
        and all(p.settings.params == params for p in prepared)
        and use_stacking(params["stack_networks"], prepared[0].settings.device)
    )


def train_all(prepared, shapes):
    """Train every job of every prepared fit: stacked when :func:`stackable`, else
    one after the other. The results come back on the CPU, in job order."""
    jobs = [job for p in prepared for job in p.jobs]
    first = prepared[0].settings
    if stackable(prepared, shapes):
        results = train_stacked(jobs, first.sde, first.variant, first.config)
    else:
        results = []
        for p in prepared:
            s = p.settings
            for job in p.jobs:
                results.append(
                    train(
                        job.network,
                        *job.data,
                        s.sde,
                        s.variant,
                        s.config,
                        job.seed,
                        job.member,
                    )
                )
    for result in results:
        result.network = result.network.cpu()
    return results


# ---------------------------------------------------------------------- read
@dataclass
class FitResult:
    """What a fit found: everything the estimator keeps as fitted attributes.

    Attributes
    ----------
    settings : Settings
    standardisation : Standardisation
    training : list of TrainingResult
        One per network, member by member.
    estimates, estimates_std, entropies, entropies_std : dict of str to float
        The estimates are empty for a fit without y.
    value, value_std : float
        The chosen estimate and its standard error: the MI of the chosen form,
        or for a fit without y the entropy of X.
    member_estimates : ndarray of shape (n_members,)
        Each member's chosen estimate.
    tail_share : float
    """

    settings: Settings
    standardisation: Standardisation
    training: list
    estimates: dict
    estimates_std: dict
    entropies: dict
    entropies_std: dict
    value: float
    value_std: float
    member_estimates: np.ndarray
    tail_share: float


def chosen_key(variant, params, conditional):
    """Where :func:`summarise` puts the chosen estimate: ``("estimates",
    "minde_c")``... or, for a fit without y, ``("entropies", "x")`` (``"x|z"``
    given a Z)."""
    if variant is MARGINAL:
        return "entropies", "x|z" if conditional else "x"
    sigma = "" if params["sigma"] is None else "_sigma"
    return "estimates", f"minde_{variant.name}{sigma}"


def read(prepared, results):
    """Read each member's estimate on its own rows with its trained networks
    (``results``, in job order) and summarise them.

    Raises
    ------
    FloatingPointError
        When the estimate is not finite, with the likely causes.
    """
    s, params = prepared.settings, prepared.settings.params
    variant, term, k = s.variant, chosen_term(params), s.n_networks
    read_terms, shares = [], []
    for i, (member, data) in enumerate(prepared.members):
        networks = on_device(
            [r.network for r in results[i * k : (i + 1) * k]], s.device
        )
        fn = mi_fn(variant, networks, s.sde, sigma_value(params))
        terms, share = read_member(
            fn,
            data[3:],
            s.sde,
            s.seed,
            member,
            params["n_estimation_passes"],
            s.device,
            tail_of=term,
        )
        read_terms.append(terms)
        shares.append(share)
    overfit = [r for r in results if r.overfit_iter is not None]
    if overfit:
        warn_overfitting(overfit[0], s.n_train, params["early_stopping"])
    elif results[0].n_iter == s.config.max_iter:
        rise = still_rising(results[0], falls=variant is MARGINAL)
        if rise is not None:
            quantity = "entropy" if variant is MARGINAL else "MI"
            warn_still_rising(results[0], rise, s.config.max_iter, quantity)
    log_scale = prepared.standardisation.entropy_log_jacobian()
    conditional = len(prepared.standardisation.z_columns) > 0
    estimates, stds, entropies, entropies_std = summarise(
        read_terms,
        f"minde_{variant.name}",
        log_scale,
        conditional=conditional,
        n_train=s.n_train,
    )
    where, key = chosen_key(variant, params, conditional)
    value, value_std = {
        "estimates": (estimates, stds),
        "entropies": (entropies, entropies_std),
    }[where]
    if not np.isfinite(value[key]):
        x, y = prepared.members[0][1][:2]
        raise FloatingPointError(
            "The estimate is not finite: the network is unusable on these data. "
            + divergence_causes(x, y, s.config.learning_rate)
        )
    warn_if_concentrated(max(shares))
    offset = log_jacobian("x", log_scale) if variant is MARGINAL else 0.0
    return FitResult(
        settings=s,
        standardisation=prepared.standardisation,
        training=results,
        estimates=estimates,
        estimates_std=stds,
        entropies=entropies,
        entropies_std=entropies_std,
        value=value[key],
        value_std=value_std[key],
        member_estimates=np.array([t[term].mean() + offset for t in read_terms]),
        tail_share=max(shares),
    )


def fit_all(fits):
    """Fit each of ``fits``, a list of ``(params, X, y, z_columns)`` with validated
    arrays: prepare, train (together when :func:`stackable`) and read.

    Returns
    -------
    list of FitResult
    """
    with torch_threads(fits[0][0]["n_threads"]):
        prepared = [prepare(*fit) for fit in fits]
        shapes = [(X.shape, y.shape) for _, X, y, _ in fits]
        results = train_all(prepared, shapes)
        out, start = [], 0
        for p in prepared:
            out.append(read(p, results[start : start + len(p.jobs)]))
            start += len(p.jobs)
    return out
