"""Tables and figures of the bmi suite, made from the records of the results file."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

#: Relative error under which a task counts as solved in the summary.
TOLERANCE = 0.10

#: Fit times are reported as ratios to this estimator's on the same sample (the
#: first estimator of the run when it has no estimate there, see
#: :func:`time_reference`): absolute seconds on a shared machine mean little.
TIME_REFERENCE = "InfoNCE"

#: Start of the name of the summary's fit-time column, which ends with the
#: reference's name (:func:`time_reference`).
_TIME_PREFIX = "fit_time_vs_"

#: Columns that lead the frame of results, when present.
_FIRST = ["study", "task", "test", "r", "seed", "n_fit", "n_est", "estimator",
          "estimate", "std_error", "true_mi", "oracle_se", "fit_s", "n_iter", "device",
          "failure"]


def records_to_frame(records):
    """One row per estimate: the job key, the facts of its data, the estimate and
    the environment, flattened.

    Parameters
    ----------
    records : iterable of dict
        Records of :func:`benchmarks.suite.runner.execute`.

    Returns
    -------
    DataFrame
        Columns include ``estimator``, ``estimate``, ``std_error``, ``fit_s``,
        ``device``, ``failure``, ``warnings`` (space-separated names),
        ``settings`` (JSON), ``version_<package>`` and the job key's fields. A
        failed job gives one row, named after its adapter, with a NaN estimate.
    """
    rows = []
    for record in records:
        job = dict(record["job"])
        common = {k: v for k, v in record.items()
                  if k not in ("job", "estimates", "std_errors", "versions")}
        common.update(job, settings=json.dumps(job["settings"], sort_keys=True),
                      warnings=" ".join(record.get("warnings", [])))
        common.update({f"version_{k}": v for k, v in record["versions"].items()})
        estimates = record["estimates"] or {job["adapter"]: np.nan}
        for name, value in estimates.items():
            rows.append(dict(common, estimator=name, estimate=value,
                             std_error=record["std_errors"].get(name, np.nan)))
    df = pd.DataFrame(rows).astype({"n_iter": "Int64"})
    first = [c for c in _FIRST if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def add_errors(df):
    """Columns ``error`` (estimate - true MI, nats) and ``rel_error``."""
    return df.assign(error=df.estimate - df.true_mi,
                     rel_error=(df.estimate - df.true_mi) / df.true_mi)


def _order(df, column):
    """Values of ``column`` in order of first appearance."""
    return list(dict.fromkeys(df[column]))


def seed_means(df, by=()):
    """Per task and estimator: the seed mean and spread of the estimate.

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.
    by : sequence of str, default=()
        Further columns to group by, between task and estimator (e.g. "n_fit"
        where one run holds several sample sizes).

    Returns
    -------
    DataFrame
        Columns task, the ``by`` columns, estimator, true_mi, oracle_se, mean, sd
        (across seeds), seeds, median_fit_s and abs_error (of the mean).
    """
    return (df.groupby(["task", *by, "estimator"], sort=False)
            .agg(true_mi=("true_mi", "first"), oracle_se=("oracle_se", "first"),
                 mean=("estimate", "mean"), sd=("estimate", "std"),
                 seeds=("estimate", "count"), median_fit_s=("fit_s", "median"))
            .reset_index()
            .assign(abs_error=lambda m: (m["mean"] - m.true_mi).abs()))


def mean_sd_cells(mean, sd, fmt, sd_fmt=None):
    """Table cells "mean ± sd", or "mean" alone where the sd is NaN (one seed).

    Parameters
    ----------
    mean, sd : Series
        Aligned.
    fmt : str
        Format of the mean, e.g. "{:.3f}".
    sd_fmt : str, optional
        Format of the sd (default: ``fmt``).

    Returns
    -------
    Series of str
    """
    sd_text = sd.map((sd_fmt or fmt).format)
    return mean.map(fmt.format) + np.where(sd.notna(), " ± " + sd_text, "")


def estimator_table(frame, cells, rows, facts, names=None, missing="failed"):
    """Markdown table with one cell per row of ``frame``: a table row per value of
    the ``rows`` columns and a column per estimator (both in order of appearance),
    after leading columns of facts.

    Parameters
    ----------
    frame : DataFrame
        One row per value of ``rows`` and estimator (column ``estimator``).
    cells : Series of str
        The text of each row's cell, aligned with ``frame``.
    rows : list of str
        The columns that make a table row.
    facts : dict of str to Series of str
        Leading columns by title, aligned with ``frame``; each table row shows the
        first of its rows.
    names : list of str, optional
        Headers of the ``rows`` columns (default: their names).
    missing : str, default="failed"
        The text of a cell with no row in ``frame``.

    Returns
    -------
    str
    """
    table = frame.assign(cell=cells).pivot(index=rows, columns="estimator",
                                           values="cell")
    index = frame[rows].drop_duplicates()
    index = (pd.MultiIndex.from_frame(index) if len(rows) > 1
             else pd.Index(index[rows[0]]))
    table = table.reindex(index=index, columns=_order(frame, "estimator"))
    leading = pd.DataFrame(facts).groupby([frame[r] for r in rows], sort=False).first()
    for title in reversed(list(facts)):
        table.insert(0, title, leading[title])
    table.index = table.index.set_names(names or rows)
    table = table.reset_index().fillna(missing)
    return table.to_markdown(index=False, disable_numparse=True)


def task_table(df):
    """Markdown table, task x estimator: seed mean +- sd of the estimate.

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.

    Returns
    -------
    str
    """
    means = seed_means(df)
    cell = mean_sd_cells(means["mean"], means.sd, "{:.3f}")
    table = means.assign(cell=cell).pivot(index="task", columns="estimator",
                                          values="cell")
    table = table.reindex(index=_order(df, "task"), columns=_order(df, "estimator"))
    facts = means.groupby("task", sort=False)[["true_mi", "oracle_se"]].first()
    table.insert(0, "oracle SE", facts.oracle_se.map("{:.4f}".format))
    table.insert(0, "true MI", facts.true_mi.map("{:.3f}".format))
    return table.fillna("failed").to_markdown()


def time_reference(df):
    """The estimator fit times are divided by: TIME_REFERENCE, or the first one.

    Only estimators with a finite estimate count, so that a reference that failed
    everywhere is not used.

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.

    Returns
    -------
    str
    """
    names = _order(df[np.isfinite(df.estimate)], "estimator") or _order(df, "estimator")
    return TIME_REFERENCE if TIME_REFERENCE in names else names[0]


def time_note(df):
    """The sentence of summary.md that says what the fit times are relative to.

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.

    Returns
    -------
    str
        Names the reference of :func:`time_reference`, and why when it is not
        TIME_REFERENCE; says how MINDE's times are counted when MINDE is in the run.
    """
    reference = time_reference(df)
    why = ("" if reference == TIME_REFERENCE else
           f" ({TIME_REFERENCE}, the usual reference, has no estimate in this run; "
           f"{reference} is its first estimator)")
    minde = (" MINDE's includes reading the estimate; a sigma form shares its "
             "variant's fit." if df.estimator.str.startswith("MINDE").any() else "")
    return f"Fit time: median ratio to {reference}'s on the same sample{why}.{minde}"


def fit_time_ratios(df):
    """Each run's fit time divided by the reference estimator's on the same sample.

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.

    Returns
    -------
    Series
        Aligned with ``df``; NaN where the reference has no estimate for that sample.
    """
    sample = ["task", "seed"]
    ref = df[(df.estimator == time_reference(df)) & np.isfinite(df.estimate)]
    ref_s = ref.groupby(sample).fit_s.first().rename("ref_s")
    return df.fit_s / df.join(ref_s, on=sample).ref_s


def summary(df):
    """Per estimator: errors beside the oracle floor, tasks solved and won, fit time.

    Columns: tasks; runs; failed (runs with an error or a non-finite estimate);
    MAE (mean over runs of |estimate - true MI|); oracle SE (mean over the tasks of
    the oracle's standard error at the protocol's sample size); MAE of seed
    means and the oracle SE of a seed mean; within 10 % (tasks whose seed mean is
    within 10 % of the true MI); best (tasks on which its seed mean is the closest
    of all estimators to the true MI); fit time (median over runs of the fit time
    divided by the reference estimator's on the same sample, see
    :func:`time_reference`).

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.

    Returns
    -------
    DataFrame
    """
    df = add_errors(df).assign(fit_ratio=fit_time_ratios(df))
    means = seed_means(df)
    means["within"] = means.abs_error <= TOLERANCE * means.true_mi
    means["oracle_se_mean"] = means.oracle_se / np.sqrt(means.seeds.clip(lower=1))
    scored = means.loc[means.abs_error.dropna().index]
    winners = scored.groupby("task").abs_error.idxmin()
    means["best"] = means.index.isin(winners)
    runs = df.groupby("estimator", sort=False).agg(
        tasks=("task", "nunique"), runs=("estimate", "size"),
        failed=("estimate", lambda e: int((~np.isfinite(e)).sum())),
        MAE=("error", lambda e: e.abs().mean()), fit_time=("fit_ratio", "median"))
    per_task = means.groupby("estimator", sort=False).agg(
        oracle_SE=("oracle_se", "mean"), MAE_seed_mean=("abs_error", "mean"),
        oracle_SE_seed_mean=("oracle_se_mean", "mean"), within_10pc=("within", "sum"),
        best=("best", "sum"))
    table = runs.join(per_task)
    for column in ("within_10pc", "best"):
        table[column] = [f"{int(k)}/{n}" for k, n in
                         zip(table[column], table.tasks, strict=True)]
    columns = ["tasks", "runs", "failed", "MAE", "oracle_SE", "MAE_seed_mean",
               "oracle_SE_seed_mean", "within_10pc", "best", "fit_time"]
    time = _TIME_PREFIX + time_reference(df)
    return table[columns].rename(columns={"fit_time": time}).reset_index()


def task_family(task, dim_x, dim_y):
    """The family of a benchmark-mi task, for the error-by-family table.

    Parameters
    ----------
    task : str
        Task name.
    dim_x, dim_y : int
        Its dimensions.

    Returns
    -------
    str
        "1-D" (both variables one-dimensional), "Gaussian" (multinormal, untransformed),
        "Student-t", "Student-t, asinh" or "transformed Gaussian" (half_cube,
        normal_cdf, spiral or wiggly maps of a multinormal).
    """
    if dim_x == dim_y == 1:
        return "1-D"
    if task.startswith("multinormal"):
        return "Gaussian"
    if "student" in task:
        return "Student-t, asinh" if task.startswith("asinh") else "Student-t"
    return "transformed Gaussian"


def dimension_group(dim_x, dim_y):
    """"d = 2", "d = 4-10" or "d = 50-100", with d = dim_x + dim_y."""
    d = dim_x + dim_y
    return "d = 2" if d <= 2 else "d = 4-10" if d <= 10 else "d = 50-100"


def grouped_errors(df):
    """Markdown tables of the mean absolute error of seed means, estimator x task
    group, grouped by :func:`task_family` and by :func:`dimension_group`.

    The best estimator of each group is in bold. Needs the ``dim_x`` and ``dim_y``
    columns.

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.

    Returns
    -------
    str
    """
    dims = df.groupby("task", sort=False)[["dim_x", "dim_y"]].first()
    means = seed_means(df).join(dims, on="task")
    groups = {
        "family": [task_family(t, dx, dy) for t, dx, dy in
                   zip(means.task, means.dim_x, means.dim_y, strict=True)],
        "dimension": [dimension_group(dx, dy) for dx, dy in
                      zip(means.dim_x, means.dim_y, strict=True)],
    }
    parts = []
    for name, labels in groups.items():
        frame = means.assign(group=labels)
        mae = frame.pivot_table(index="group", columns="estimator", values="abs_error",
                                aggfunc="mean", sort=False)
        mae = mae.reindex(columns=_order(df, "estimator"))
        text = mae.apply(lambda column: column.map("{:.3f}".format))
        cells = text.where(mae.ne(mae.min(axis=1), axis=0), "**" + text + "**")
        cells.insert(0, "tasks", frame.groupby("group", sort=False).task.nunique())
        cells.index.name = name
        parts.append(cells.to_markdown())
    return "\n\n".join(parts)


def panel_grid(n_panels, panel_size, max_columns=4, **subplots_kw):
    """A figure of ``n_panels`` axes, ``max_columns`` to a row, the spare ones hidden.

    Parameters
    ----------
    n_panels : int
    panel_size : tuple of float
        Width and height of one panel, inches.
    max_columns : int, default=4
    **subplots_kw
        More arguments of :func:`matplotlib.pyplot.subplots` (``sharex``...).

    Returns
    -------
    fig : Figure
    axes : ndarray of Axes of shape (rows, columns)
        The panels are ``axes.flat[:n_panels]``.
    """
    columns = min(max_columns, n_panels)
    rows = -(-n_panels // columns)
    width, height = panel_size
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows),
                             squeeze=False, **subplots_kw)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, axes


def plot_heatmap(df, path):
    """Heatmap of log(seed mean / true MI), estimators x tasks, annotated with the
    seed-mean estimate, with the true MI as the last row ("Beyond Normal" style).

    Colours are clipped to [-1, 1] (red: over-estimate, blue: under-estimate); a
    non-positive mean counts as -1.

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.
    path : str or Path
        PNG file to write.
    """
    means = seed_means(df)
    tasks, estimators = _order(df, "task"), _order(df, "estimator")
    mean = means.pivot(index="estimator", columns="task", values="mean")
    mean = mean.reindex(index=estimators, columns=tasks)
    truth = means.groupby("task").true_mi.first().reindex(tasks)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(mean.clip(lower=1e-12) / truth)
    values = np.vstack([log_ratio.to_numpy(), np.zeros(len(tasks))])
    labels = np.vstack([mean.to_numpy(), truth.to_numpy()])
    fig, ax = plt.subplots(figsize=(1.5 + 0.42 * len(tasks), 1.6 + 0.42 * len(values)))
    image = ax.imshow(np.ma.masked_invalid(values), cmap="RdBu_r", vmin=-1, vmax=1,
                      aspect="auto")
    for (i, j), label in np.ndenumerate(labels):
        if np.isfinite(label):
            dark = abs(values[i, j]) >= 0.6
            ax.text(j, i, f"{label:.2f}", ha="center", va="center", fontsize=6.5,
                    color="white" if dark else "black")
    ax.set_xticks(range(len(tasks)), tasks, rotation=90, fontsize=7)
    ax.set_yticks(range(len(values)), [*estimators, "True MI"], fontsize=8)
    fig.colorbar(image, ax=ax, label="log(estimate / true MI)", fraction=0.02, pad=0.01)
    ax.set_title("Seed-mean MI estimate (nats); colour: log(estimate / true MI)",
                 fontsize=9)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def spread_labels(x, y, min_gap, x_reach):
    """Label heights that keep labels of nearby points at least ``min_gap`` apart.

    Points whose x lie within ``x_reach`` of one another (chained) form a group, whose
    labels would overlap; inside a group the labels keep the order of their points'
    y and are pushed apart, the group's mean height unchanged. Work in the plot's
    coordinates (log10 of the values on log axes).

    Parameters
    ----------
    x, y : array-like of shape (n,)
        Point positions.
    min_gap : float
        Smallest vertical distance between labels of one group.
    x_reach : float
        Horizontal distance under which two labels may overlap.

    Returns
    -------
    ndarray of shape (n,)
        Height of each point's label.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    heights = y.copy()
    by_x = np.argsort(x)
    breaks = np.flatnonzero(np.diff(x[by_x]) > x_reach) + 1
    for group in np.split(by_x, breaks):
        order = group[np.argsort(y[group], kind="stable")]
        pushed = y[order].copy()
        for k in range(1, len(pushed)):
            pushed[k] = max(pushed[k], pushed[k - 1] + min_gap)
        heights[order] = pushed - (pushed.mean() - y[order].mean())
    return heights


def plot_accuracy_vs_time(table, path):
    """Mean absolute error against the median fit-time ratio (:func:`summary`), one
    point per estimator, with the oracle floor (mean oracle SE of one run) as a
    dashed line.

    An estimator without a finite, positive error and time ratio (no sample shared
    with the reference) has no place on the log axes: it is left out, and named in
    the title.

    Parameters
    ----------
    table : DataFrame
        From :func:`summary`.
    path : str or Path
        PNG file to write.
    """
    time = next(c for c in table.columns if c.startswith(_TIME_PREFIX))
    points = table[(table[time] > 0) & (table.MAE > 0)]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.scatter(points[time], points.MAE, color="tab:blue")
    ax.axhline(table.oracle_SE.mean(), color="grey", linestyle="--",
               label="oracle SE (mean over tasks)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    # labels of neighbouring points are spread apart, with a leader line
    log_low, log_high = np.log10(ax.get_ylim())
    heights = spread_labels(np.log10(points[time]), np.log10(points.MAE),
                            min_gap=0.045 * (log_high - log_low), x_reach=0.8)
    for row, height in zip(points.to_dict("records"), 10.0 ** heights, strict=True):
        point = (row[time], row["MAE"])
        ax.annotate(row["estimator"], point, xytext=(point[0] * 1.25, height),
                    fontsize=8, va="center",
                    arrowprops=dict(arrowstyle="-", color="grey", lw=0.5))
    reference = time.removeprefix(_TIME_PREFIX)
    left_out = table.estimator[~table.index.isin(points.index)]
    if len(left_out):
        ax.set_title(f"Not shown (no sample timed beside {reference}): "
                     + ", ".join(left_out), fontsize=8)
    ax.set_xlabel(f"median fit time per run, relative to {reference}")
    ax.set_ylabel("mean absolute error (nats)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def write_reports(df, out, header=""):
    """Write results.csv, table.md, summary.md, heatmap.png and accuracy_vs_time.png.

    Parameters
    ----------
    df : DataFrame
        From :func:`records_to_frame`.
    out : Path
        Folder.
    header : str, optional
        First lines of summary.md (the protocol and settings).

    Returns
    -------
    str
        The text of summary.md.
    """
    add_errors(df).to_csv(out / "results.csv", index=False)
    table = summary(df)
    (out / "table.md").write_text(header + task_table(df) + "\n", encoding="utf-8")
    text = (header + table.to_markdown(index=False, floatfmt=".4g") + "\n\n"
            "MAE and oracle SE in nats. The oracle SE is the standard error of the "
            "estimator that knows the densities: sd of the pointwise MI / sqrt(n), n "
            "the protocol's sample size (the estimation sample where there is one). "
            "An error well above it is bias, not noise. " + time_note(df) + "\n")
    if {"dim_x", "dim_y"} <= set(df.columns):
        text += ("\nMean absolute error of the seed means (nats) by task group; the "
                 "best of each group in bold.\n\n" + grouped_errors(df) + "\n")
    (out / "summary.md").write_text(text, encoding="utf-8")
    ok = df[np.isfinite(df.estimate)]
    if len(ok):
        plot_heatmap(ok, out / "heatmap.png")
        plot_accuracy_vs_time(summary(ok), out / "accuracy_vs_time.png")
    return text
