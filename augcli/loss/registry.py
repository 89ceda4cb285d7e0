"""The loss registry: one entry per loss, carrying its names, kernels, notes and parameters.

Adding a loss means adding one :class:`LossSpec` to :data:`REGISTRY` (and its tests): the
``--loss`` help, ``--top-by`` choices, applicability, per-row values and report notes all
read the entry. A loss with a parameter declares it as a :class:`LossParam` in its entry:
that makes the :class:`LossOptions` field, the ``augcli loss`` option (flag, range, default,
help) and README's documentation of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from augcli.core.errors import UsageError
from augcli.core.suggest import did_you_mean
from augcli.loss import kernels as K
from augcli.loss.conventions import (
    BINARY_PROBABILITY,
    BINARY_SCORE,
    MULTICLASS_PROBABILITY,
    MULTICLASS_SCORE,
    REAL,
    REGRESSION,
    Batch,
    Convention,
    convention,
)
from augcli.loss.spec import Kernel, LossParam, LossSpec, Note, Rule, collect_params, options_class


def _text(text: str) -> Note:
    return lambda options: text


def _threshold_note(variable: str, conv: Convention) -> Note:
    return lambda o: f"predict 1 iff {variable} >= {o.threshold_for(conv):g}"


def _tolerance_note(o: LossOptions) -> str:
    tol = o.tolerance
    return "exact equality" if tol is None else f"correct iff |y - f| < {tol:g}"


def _clip_note(how: str) -> Note:
    return lambda o: f"{how} clipped to [eps, 1-eps], eps={o.eps:.3g}"


def _margin(kernel: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> dict[Convention, Rule]:
    """A binary margin loss of ``y = ±1`` and ``f`` (``f = 2p - 1`` for probabilities)."""
    return {
        BINARY_PROBABILITY: Rule(lambda b: kernel(b.ypm, b.f), _text("f = 2p - 1")),
        BINARY_SCORE: Rule(lambda b: kernel(b.ypm, b.f), _text("f = score")),
    }


_NO_NOTE = _text("")


def _regression(kernel: Kernel, note: Note = _NO_NOTE) -> dict[Convention, Rule]:
    return {REAL: Rule(kernel, note)}


_ENTRIES = (
    LossSpec(
        "zero_one",
        "1[prediction wrong] (binary threshold, argmax, |y-f| < T)",
        {
            BINARY_PROBABILITY: Rule(
                lambda b: K.threshold_zero_one(b.y01, b.raw, b.options.threshold_for(b.conv)),
                _threshold_note("p", BINARY_PROBABILITY),
            ),
            BINARY_SCORE: Rule(
                lambda b: K.threshold_zero_one(b.y01, b.raw, b.options.threshold_for(b.conv)),
                _threshold_note("f", BINARY_SCORE),
            ),
            MULTICLASS_PROBABILITY: Rule(
                lambda b: K.argmax_zero_one(b.labels, b.pred), _text("argmax (first on ties)")
            ),
            MULTICLASS_SCORE: Rule(
                lambda b: K.argmax_zero_one(b.labels, b.pred), _text("argmax (first on ties)")
            ),
            REAL: Rule(
                lambda b: K.regression_zero_one(b.y, b.raw, b.options.tolerance), _tolerance_note
            ),
        },
        params=(
            LossParam(
                "threshold",
                "--threshold",
                "Binary zero_one cut on the prediction's scale: predict 1 iff pred >= X.",
                unset="0.5 probability, 0 score",
            ),
            LossParam(
                "tolerance",
                "--tolerance",
                "Regression zero_one: correct iff |y - f| < T.",
                unset="exact equality",
                minimum=0,
                min_open=True,
                metavar="T",
            ),
        ),
    ),
    LossSpec("absolute", "|y - f|", _regression(lambda b: K.absolute_loss(b.y, b.raw))),
    LossSpec(
        "log",
        "-ln p(true class), p clipped to [eps, 1-eps]",
        {
            BINARY_PROBABILITY: Rule(
                lambda b: K.binary_log_loss(b.y01, b.p, b.options.eps), _clip_note("p")
            ),
            BINARY_SCORE: Rule(
                lambda b: K.binary_log_loss(b.y01, b.p, b.options.eps), _clip_note("sigmoid(f)")
            ),
            MULTICLASS_PROBABILITY: Rule(
                lambda b: K.multiclass_log_loss(b.labels, b.proba, b.options.eps), _clip_note("p")
            ),
            MULTICLASS_SCORE: Rule(
                lambda b: K.multiclass_log_loss(b.labels, b.proba, b.options.eps),
                _clip_note("softmax(f)"),
            ),
        },
        aliases=("log_loss", "cross_entropy"),
        params=(
            LossParam(
                "eps",
                "--eps",
                "Log loss clips p to [eps, 1-eps].",
                default=K.EPS,
                minimum=0,
                maximum=0.5,
                min_open=True,
                max_open=True,
            ),
        ),
    ),
    LossSpec("squared", "(y - f)^2", _regression(lambda b: K.squared_loss(b.y, b.raw))),
    LossSpec("exponential", "exp(-y f), y in {-1,+1}", _margin(K.exponential_loss)),
    LossSpec(
        "hinge",
        "max(0, 1 - y f); multiclass Crammer-Singer",
        {
            **_margin(K.hinge_loss),
            MULTICLASS_PROBABILITY: Rule(
                lambda b: K.multiclass_hinge_loss(b.labels, b.pred),
                _text("Crammer-Singer on probabilities"),
            ),
            MULTICLASS_SCORE: Rule(
                lambda b: K.multiclass_hinge_loss(b.labels, b.pred), _text("Crammer-Singer")
            ),
        },
    ),
    LossSpec("perceptron", "max(0, -y f), y in {-1,+1}", _margin(K.perceptron_loss)),
    LossSpec(
        "mae",
        "mean |y - f| (always a mean)",
        _regression(lambda b: K.absolute_loss(b.y, b.raw)),
        aliases=("l1",),
        always_mean=True,
    ),
    LossSpec(
        "mse",
        "mean (y - f)^2 (always a mean)",
        _regression(lambda b: K.squared_loss(b.y, b.raw)),
        aliases=("l2",),
        always_mean=True,
    ),
    LossSpec(
        "huber",
        "r^2/2 if |r| <= delta else delta(|r| - delta/2), r = y - f",
        _regression(
            lambda b: K.huber_loss(b.y, b.raw, b.options.delta), lambda o: f"delta={o.delta:g}"
        ),
        params=(LossParam("delta", "--delta", "Huber delta.", 1.0, minimum=0, min_open=True),),
    ),
)

REGISTRY: dict[str, LossSpec] = {spec.name: spec for spec in _ENTRIES}
PARAMS: tuple[LossParam, ...] = collect_params(_ENTRIES)


def _threshold_for(self: LossOptions, conv: Convention) -> float:
    """The binary cut for ``conv``: ``threshold``, else 0.5 (probabilities) or 0 (scores).

    Parameters
    ----------
    conv : Convention
        A classification convention.

    Returns
    -------
    float
        The threshold.
    """
    if self.threshold is not None:
        return self.threshold
    return 0.5 if conv.probability else 0.0


LossOptions = options_class(PARAMS, {"threshold_for": _threshold_for})
LOSS_NAMES: tuple[str, ...] = tuple(REGISTRY)
ALIASES: dict[str, str] = {alias: spec.name for spec in _ENTRIES for alias in spec.aliases}


def resolve_loss_names(requested: Iterable[str]) -> tuple[str, ...]:
    """Turn user-given names (``all``, comma-separated lists, aliases) into canonical names.

    Parameters
    ----------
    requested : iterable of str
        Names as typed; empty means ``all``.

    Returns
    -------
    tuple of str
        Canonical names in registry order, without duplicates.

    Raises
    ------
    UsageError
        For an unknown name, with close matches and the list of valid names.

    Examples
    --------
    >>> resolve_loss_names(["mse,log", "l1"])
    ('log', 'mae', 'mse')
    """
    wanted: set[str] = set()
    for item in requested:
        for raw in item.split(","):
            name = raw.strip().lower()
            if not name:
                continue
            if name == "all":
                wanted.update(LOSS_NAMES)
                continue
            name = ALIASES.get(name, name)
            if name not in REGISTRY:
                hint = did_you_mean(name, [*LOSS_NAMES, *ALIASES, "all"])
                raise UsageError(
                    f"unknown loss {raw.strip()!r}{hint}; valid names: "
                    + ", ".join(LOSS_NAMES)
                    + ", all"
                )
            wanted.add(name)
    if not wanted:
        wanted.update(LOSS_NAMES)
    return tuple(n for n in LOSS_NAMES if n in wanted)


def not_applicable_reason(name: str, task: str) -> str | None:
    """Say why a loss does not apply to a task, or return None if it does.

    Parameters
    ----------
    name : str
        Canonical loss name.
    task : str
        ``'binary'``, ``'multiclass'`` or ``'regression'``.

    Returns
    -------
    str or None
        The reason, for the report.
    """
    tasks = REGISTRY[name].tasks
    if task in tasks:
        return None
    if task == REGRESSION:
        return "classification loss; the labels are real values (regression)"
    if tasks == {REGRESSION}:
        return f"regression loss; this data is {task} (--task regression forces it)"
    return "defined for two classes with y in {-1,+1}; this data is multiclass"


def per_row_losses(
    task: str,
    pred_kind: str | None,
    y: np.ndarray,
    pred: np.ndarray,
    names: Iterable[str],
    options: LossOptions = LossOptions(),  # noqa: B008 - frozen, immutable default
) -> dict[str, np.ndarray]:
    """Per-row values of the applicable losses under one convention.

    Parameters
    ----------
    task : str
        ``'binary'`` (labels in {0,1} or {-1,+1}), ``'multiclass'`` (integer labels
        ``0..K-1``) or ``'regression'``; the caller has validated the labels.
    pred_kind : str or None
        ``'probability'`` (values in [0,1], validated by the caller) or ``'score'``;
        ignored for regression.
    y : ndarray, shape (n,)
        Labels.
    pred : ndarray, shape (n, k)
        Predictions (k = 1 except for multiclass).
    names : iterable of str
        Canonical loss names; those not applicable to ``task`` are skipped.
    options : LossOptions
        Threshold, tolerance, eps, delta.

    Returns
    -------
    dict of str to ndarray
        Name -> per-row losses, for the applicable names only, in the order given.

    Examples
    --------
    >>> out = per_row_losses("regression", None, np.array([3.0, -0.5]),
    ...                      np.array([[2.5], [0.0]]), ["absolute", "squared"])
    >>> out["absolute"].tolist(), out["squared"].tolist()
    ([0.5, 0.5], [0.25, 0.25])
    """
    conv = convention(task, pred_kind)
    batch = Batch(conv, y, pred, options)
    rules = ((name, REGISTRY[name].rules.get(conv)) for name in names)
    return {name: rule.kernel(batch) for name, rule in rules if rule is not None}


def loss_note(name: str, conv: Convention, options: LossOptions, reduction: str) -> str:
    """The report's note for a computed loss: its convention, then how it was reduced.

    Parameters
    ----------
    name : str
        Canonical loss name, applicable under ``conv``.
    conv : Convention
        The convention used.
    options : LossOptions
        Threshold, tolerance, eps, delta.
    reduction : {'mean', 'sum'}
        The requested reduction.

    Returns
    -------
    str
        E.g. ``'f = 2p - 1 (sum)'``; empty when there is nothing to say.

    Examples
    --------
    >>> loss_note("huber", REAL, LossOptions(delta=2.0), "sum")
    'delta=2 (sum)'
    """
    spec = REGISTRY[name]
    if reduction == "sum":
        suffix = " (always a mean)" if spec.always_mean else " (sum)"
    else:
        suffix = ""
    return (spec.rules[conv].note(options) + suffix).strip()
