"""
Quickstart
==========

Estimate the mutual information (MI) between two continuous variables, and read the
standard error, the two forms of the estimate and the entropies that come with it.

.. note::
   The training budget is reduced for the documentation build (2,000 rows, a network
   32 units wide, at most 400 steps). The defaults are more accurate.
"""

# %%
# Data with a known answer
# ------------------------
# A correlated Gaussian pair with correlation :math:`\rho` has
# :math:`I(X; Y) = -\frac12 \log(1 - \rho^2)` nats.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_minde import MINDEEstimator

rho, n = 0.8, 2000
rng = np.random.default_rng(0)
x = rng.normal(size=(n, 1))
y = rho * x[:, 0] + np.sqrt(1 - rho**2) * rng.normal(size=n)
true_mi = -0.5 * np.log(1 - rho**2)

# %%
# Fit
# ---
# ``fit`` trains one network, holds out 20 % of the rows, and estimates the MI on them.
est = MINDEEstimator(hidden_dim=32, max_iter=400, random_state=0)
est.fit(x, y)

print(f"true MI:      {true_mi:.3f} nats")
print(
    f"MINDE-C:      {est.mutual_information_:.3f} "
    f"+/- {est.mutual_information_std_:.3f} nats (standard error)"
)
print(f"training steps: {est.n_iter_}")

# %%
# The standard error covers the Monte Carlo noise and the sampling noise of the
# held-out rows and, at first order, of the rows the network trained on. It does not
# cover the bias of an imperfect network, nor all of the change that another
# ``random_state`` (other initial weights, another order of the batches) would
# bring: on a few thousand rows or fewer, compare a few seeds.
#
# Both forms of the estimate, and the entropies
# ---------------------------------------------
# The same network gives the plain estimate and its sigma form
# (:ref:`choosing`), and the entropies :math:`H(X)` and :math:`H(X \mid Y)` in nats.
for name, value in est.estimates_.items():
    print(f"{name:15s} {value:6.3f} +/- {est.estimates_std_[name]:.3f}")
print("entropies_:", {k: round(v, 3) for k, v in est.entropies_.items()})
print(f"true H(X) = {0.5 * np.log(2 * np.pi * np.e):.3f}, "
      f"true H(X|Y) = {0.5 * np.log(2 * np.pi * np.e * (1 - rho**2)):.3f}")

# %%
# Plot
# ----
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 3.6))
ax0.scatter(x[:, 0], y, s=3, alpha=0.3)
ax0.set(xlabel="x", ylabel="y", title=f"Gaussian pair, rho = {rho}")
names = list(est.estimates_)
ax1.errorbar(
    range(len(names)),
    [est.estimates_[k] for k in names],
    yerr=[2 * est.estimates_std_[k] for k in names],
    fmt="o",
    capsize=4,
    label="estimate +/- 2 s.e.",
)
ax1.axhline(true_mi, color="k", ls="--", label="true MI")
ax1.set_xticks(range(len(names)), names)
ax1.set_xlim(-0.6, len(names) - 0.4)
ax1.set(ylabel="MI (nats)", title="MINDE-C and its sigma form")
ax1.legend()
fig.tight_layout()
plt.show()
