"""
Reading the training curve
==========================

A fitted estimator keeps three curves:

- ``loss_curve_``: the training loss at every step, the mean squared error of the
  predicted noise per coordinate, on one random minibatch. It is noisy because each
  step draws new diffusion times;
- ``validation_loss_curve_``: the loss of the averaged (EMA) network on the held-out
  rows, with the same draws at every check, so consecutive checks compare like with
  like. Early stopping watches it;
- ``mutual_information_curve_``: the held-out MI of the averaged network at each
  check, on the same fixed draws, with its standard error in
  ``mutual_information_std_curve_``. It tells whether the estimate has converged.

.. note::
   The training budget is reduced for the documentation build (2,000 rows, a network
   32 units wide, at most 600 steps). The defaults train longer (``max_iter="auto"``,
   see the API reference) and are more accurate.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_minde import MINDEEstimator

rng = np.random.default_rng(0)
n, rho = 2000, 0.9
x = rng.normal(size=(n, 3))
y = rho * x[:, 0] + np.sqrt(1 - rho**2) * rng.normal(size=n)

est = MINDEEstimator(hidden_dim=32, max_iter=600, random_state=0).fit(x, y)
print(f"{est.n_iter_} steps, {len(est.validation_loss_curve_)} checks")

# %%
# Plot the curves
# ---------------
# Checks happen every ``max(50, max_iter_ // 20)`` steps and at the last step; their
# steps are in ``check_steps_``.
check_steps = est.check_steps_
window = 25
smooth = np.convolve(est.loss_curve_, np.ones(window) / window, mode="valid")

fig, (ax, ax_val, ax_mi) = plt.subplots(1, 3, figsize=(14, 4))
ax.plot(np.arange(1, est.n_iter_ + 1), est.loss_curve_, color="0.8", lw=0.8,
        label="training loss (per step)")
ax.plot(np.arange(window, est.n_iter_ + 1), smooth, color="C0",
        label=f"training loss ({window}-step mean)")
ax.plot(check_steps, est.validation_loss_curve_, "o-", color="C1",
        label="held-out loss of the averaged network")
ax.set(xlabel="training step", ylabel="noise MSE per coordinate",
       title="Training curve")
ax.legend(fontsize="small")
ax_val.plot(check_steps, est.validation_loss_curve_, "o-", color="C1")
ax_val.set(xlabel="training step", title="Held-out loss, zoomed in")
mi, mi_se = est.mutual_information_curve_, est.mutual_information_std_curve_
ax_mi.fill_between(check_steps, mi - 2 * mi_se, mi + 2 * mi_se, color="C2",
                   alpha=0.25, label="± 2 standard errors")
ax_mi.plot(check_steps, mi, "o-", color="C2", label="held-out MI")
ax_mi.axhline(-0.5 * np.log(1 - rho**2), color="k", ls="--", label="true MI")
ax_mi.set(xlabel="training step", ylabel="nats", title="MI at each check")
ax_mi.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# How to read it
# --------------
# The held-out loss moves little, in absolute terms: most of the noise cannot be
# predicted from any model, and the part that carries the MI is small. Zoom in on it.
#
# - A held-out curve still falling at the last check: training stopped at
#   ``max_iter``; more steps will likely help. Raise ``max_iter``.
# - ``n_iter_ < max_iter``: early stopping ended training. With the default
#   ``early_stopping="auto"`` that means the held-out loss rose significantly above
#   its lowest value (over-fitting, with an ``OverfittingWarning``), and the
#   estimate is read with the averaged network of the lowest check,
#   ``best_iter_``; with ``early_stopping=True`` it can also mean a plateau of the
#   held-out loss.
# - A held-out curve that rises while the training loss falls: the network overfits
#   the training rows; use a smaller network, a larger ``weight_decay`` or more data.
#   (``reference="gaussian"`` is no cure here: on small samples the Gaussian fitted
#   to the same few rows over-reads the MI, see :ref:`limits`.)
# - An MI curve still rising at the last check: the estimate has not converged and
#   a longer fit will read a larger MI. An MI curve that keeps rising while the
#   held-out loss rises is over-fitting, not learning: the estimate is too high.
#
# The loss never approaches zero: the noise cannot be predicted exactly, and how much
# error remains depends on the data, the noise schedule and the variant. So the loss
# does not compare across settings; ``score`` does. Compare a much shorter run with
# the one above on new data (higher is better):
x_new = rng.normal(size=(n, 3))
y_new = rho * x_new[:, 0] + np.sqrt(1 - rho**2) * rng.normal(size=n)
short = MINDEEstimator(hidden_dim=32, max_iter=100, random_state=0).fit(x, y)
print(f"score on new data, {short.n_iter_} steps: {short.score(x_new, y_new):.3f}")
print(f"score on new data, {est.n_iter_} steps: {est.score(x_new, y_new):.3f}")
