"""Every registry rule against scikit-learn or the reference spec's worked examples (Part B).

The oracle table below is keyed by (loss, convention); the tests are parametrized from the
registry, so a new loss (or a new convention of a loss) without an oracle fails here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from scipy.special import expit
from scipy.special import softmax as sp_softmax

pytest.importorskip("sklearn", reason="needs scikit-learn: pip install '.[test]'")

from sklearn.metrics import (
    hinge_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    zero_one_loss,
)

from augcli.core.errors import UsageError
from augcli.loss.conventions import (
    BINARY,
    BINARY_PROBABILITY,
    BINARY_SCORE,
    MULTICLASS,
    MULTICLASS_PROBABILITY,
    MULTICLASS_SCORE,
    REAL,
    REGRESSION,
    Convention,
)
from augcli.loss.registry import (
    ALIASES,
    LOSS_NAMES,
    REGISTRY,
    LossOptions,
    LossSpec,
    Rule,
    loss_note,
    not_applicable_reason,
    per_row_losses,
    resolve_loss_names,
)


@dataclass(frozen=True)
class Oracle:
    """Inputs and the independently known answer: per-row values and/or the mean."""

    y: np.ndarray
    pred: np.ndarray  # (n, k)
    rows: list[float] | None = None
    mean: float | None = None
    options: LossOptions = LossOptions()
    abs: float = 1e-12


def col(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(-1, 1)


def arr(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


# Spec B3: y=[1,0,1,0], p=[0.9,0.2,0.6,0.55] -> log rows and mean (= scikit-learn).
LOG_Y, LOG_P = arr([1, 0, 1, 0]), arr([0.9, 0.2, 0.6, 0.55])
# Spec B5-B7 margin table: y=[1,-1,1,-1], f=[2.0,-0.5,0.3,0.4].
PM_Y, PM_F = arr([1, -1, 1, -1]), arr([2.0, -0.5, 0.3, 0.4])
# The same margins from probabilities, f = 2p - 1 (the first row's margin is 1, not 2).
PM_P = arr([1.0, 0.25, 0.65, 0.7])
EXP_ROWS = [0.135335, 0.606531, 0.740818, 1.491825]  # spec B5
# Spec B3 multi-class probabilities, plus a tie row (argmax takes the first column).
MC_Y = arr([0, 2, 1, 1])
MC_P = arr([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25], [0.4, 0.4, 0.2]])
# Spec B6 Crammer-Singer example.
CS_Y, CS_F = arr([0, 2, 1]), arr([[2, 1, 0.5], [0.1, 0.2, 0.25], [0, 1.5, 1]])
RNG = np.random.default_rng(4)
RS_Y = RNG.integers(0, 3, 100).astype(np.float64)
RS_F = RNG.normal(scale=3, size=(100, 3))
# Spec B2/B4: y=[3,-0.5,2,7], f=[2.5,0,2,8].
REG_Y, REG_F = arr([3, -0.5, 2, 7]), arr([2.5, 0, 2, 8])
# Huber by hand on residuals 0.5, -1, 3, -2: |r| <= 1 -> r^2/2; else |r| - 1/2.
HUB_Y, HUB_F = np.zeros(4), arr([0.5, -1.0, 3.0, -2.0])

ORACLES: dict[tuple[str, Convention], list[Oracle]] = {
    ("zero_one", BINARY_PROBABILITY): [
        Oracle(LOG_Y, col(LOG_P), mean=zero_one_loss(LOG_Y, LOG_P >= 0.5)),
        Oracle(arr([1, 0]), col([0.5, 0.5]), rows=[0, 1]),  # p = 0.5 predicts 1
        Oracle(arr([1, 0]), col([0.6, 0.6]), rows=[1, 0], options=LossOptions(threshold=0.7)),
    ],
    ("zero_one", BINARY_SCORE): [
        Oracle(PM_Y, col(PM_F), rows=[0, 0, 0, 1]),
        Oracle(arr([1, 0]), col([0.0, 0.0]), rows=[0, 1]),  # f = 0 predicts 1
    ],
    ("zero_one", MULTICLASS_PROBABILITY): [
        Oracle(MC_Y, MC_P, rows=[0, 0, 0, 1], mean=zero_one_loss(MC_Y, [0, 2, 1, 0])),
    ],
    ("zero_one", MULTICLASS_SCORE): [
        Oracle(RS_Y, RS_F, mean=zero_one_loss(RS_Y, RS_F.argmax(1))),
    ],
    ("zero_one", REAL): [
        Oracle(REG_Y, col(REG_F), rows=[1, 1, 0, 1]),  # exact equality
        # Spec B1 tolerance example, and |1.0 - 1.5| = 0.5 with T = 0.5 is an error.
        Oracle(
            arr([1, 2, 3, 4, 1]),
            col([1.1, 2.5, 2.95, 5.0, 1.5]),
            rows=[0, 1, 0, 1, 1],
            options=LossOptions(tolerance=0.2),
        ),
        Oracle(arr([1.0]), col([1.5]), rows=[1], options=LossOptions(tolerance=0.5)),
    ],
    ("absolute", REAL): [
        Oracle(REG_Y, col(REG_F), rows=[0.5, 0.5, 0, 1], mean=mean_absolute_error(REG_Y, REG_F))
    ],
    ("log", BINARY_PROBABILITY): [
        Oracle(LOG_Y, col(LOG_P), rows=[0.1054, 0.2231, 0.5108, 0.7985], abs=1e-4),
        Oracle(LOG_Y, col(LOG_P), mean=log_loss(LOG_Y, LOG_P)),
        Oracle(arr([1]), col([0.0]), rows=[36.0436534], abs=1e-7),  # clipped at float64 eps
        Oracle(arr([1]), col([0.0]), rows=[34.5387764], abs=1e-7, options=LossOptions(eps=1e-15)),
    ],
    ("log", BINARY_SCORE): [
        Oracle(PM_Y, col(PM_F), mean=log_loss((PM_Y + 1) / 2, expit(PM_F))),
    ],
    ("log", MULTICLASS_PROBABILITY): [
        Oracle(MC_Y[:3], MC_P[:3], rows=[0.3567, 0.5108, 0.6931], abs=1e-4),
        Oracle(MC_Y[:3], MC_P[:3], mean=log_loss(MC_Y[:3], MC_P[:3])),
        # Rows not summing to 1 are not renormalised (spec: 0.9486).
        Oracle(arr([0, 1]), arr([[0.5, 0.6], [0.2, 0.3]]), mean=0.9486, abs=1e-4),
    ],
    ("log", MULTICLASS_SCORE): [
        Oracle(RS_Y, RS_F, mean=log_loss(RS_Y, sp_softmax(RS_F, axis=1))),
    ],
    ("squared", REAL): [
        Oracle(REG_Y, col(REG_F), rows=[0.25, 0.25, 0, 1], mean=mean_squared_error(REG_Y, REG_F))
    ],
    ("exponential", BINARY_PROBABILITY): [
        Oracle(PM_Y, col(PM_P), rows=[0.367879, *EXP_ROWS[1:]], abs=1e-6),
    ],
    ("exponential", BINARY_SCORE): [
        Oracle(PM_Y, col(PM_F), rows=EXP_ROWS, abs=1e-6),
        Oracle(PM_Y, col(PM_F), mean=0.7436272, abs=1e-7),
        Oracle(arr([1]), col([-800.0]), rows=[np.inf]),  # overflow is reported, not clipped
    ],
    ("hinge", BINARY_PROBABILITY): [
        Oracle(PM_Y, col(PM_P), rows=[0, 0.5, 0.7, 1.4], mean=hinge_loss(PM_Y, 2 * PM_P - 1)),
    ],
    ("hinge", BINARY_SCORE): [
        Oracle(PM_Y, col(PM_F), rows=[0, 0.5, 0.7, 1.4], mean=0.65),
        Oracle((PM_Y + 1) / 2, col(PM_F), mean=hinge_loss((PM_Y + 1) / 2, PM_F)),
    ],
    ("hinge", MULTICLASS_PROBABILITY): [
        Oracle(MC_Y, MC_P, mean=hinge_loss(MC_Y, MC_P, labels=[0, 1, 2])),
    ],
    ("hinge", MULTICLASS_SCORE): [
        Oracle(CS_Y, CS_F, mean=0.4833, abs=1e-4),
        Oracle(RS_Y, RS_F, mean=hinge_loss(RS_Y, RS_F, labels=[0, 1, 2])),
    ],
    ("perceptron", BINARY_PROBABILITY): [Oracle(PM_Y, col(PM_P), rows=[0, 0, 0, 0.4])],
    ("perceptron", BINARY_SCORE): [
        Oracle(PM_Y, col(PM_F), rows=[0, 0, 0, 0.4], mean=0.1),
        Oracle(arr([1, 0]), col([0.0, 0.0]), rows=[0, 0]),  # a zero score costs nothing
    ],
    ("mae", REAL): [Oracle(REG_Y, col(REG_F), mean=mean_absolute_error(REG_Y, REG_F))],
    ("mse", REAL): [Oracle(REG_Y, col(REG_F), mean=mean_squared_error(REG_Y, REG_F))],
    ("huber", REAL): [
        Oracle(REG_Y, col(REG_F), rows=[0.125, 0.125, 0, 0.5]),
        Oracle(HUB_Y, col(HUB_F), rows=[0.125, 0.5, 2.5, 1.5]),
        # delta 2: 0.125, 0.5, 2 (3 - 1) = 4, 2^2 / 2 = 2
        Oracle(HUB_Y, col(HUB_F), rows=[0.125, 0.5, 4.0, 2.0], options=LossOptions(delta=2.0)),
    ],
}

RULES = [(name, conv) for name, spec in REGISTRY.items() for conv in spec.rules]


def rule_id(value) -> str:
    if isinstance(value, Convention):
        return f"{value.task}-{value.pred_kind}" if value.pred_kind else value.task
    return str(value)


@pytest.mark.parametrize(("name", "conv"), RULES, ids=rule_id)
def test_rule_matches_its_oracles(name, conv):
    cases = ORACLES.get((name, conv))
    if not cases:
        pytest.fail(f"no oracle for loss {name!r} under {conv}: add one to ORACLES")
    for case in cases:
        y0, pred0 = case.y.copy(), case.pred.copy()
        out = per_row_losses(conv.task, conv.pred_kind, case.y, case.pred, [name], case.options)
        assert list(out) == [name]
        values = out[name]
        assert values.dtype == np.float64 and values.shape == case.y.shape
        if case.rows is not None:
            assert values.tolist() == pytest.approx(case.rows, abs=case.abs)
        if case.mean is not None:
            assert values.mean() == pytest.approx(case.mean, abs=case.abs)
        assert (case.y == y0).all() and (case.pred == pred0).all()  # inputs not modified


def test_oracle_table_covers_exactly_the_registry():
    assert set(ORACLES) == set(RULES)
    assert {name for name, _ in ORACLES} == set(LOSS_NAMES)


# The note each rule shows in reports, with default options.
NOTES = {
    ("zero_one", BINARY_PROBABILITY): "predict 1 iff p >= 0.5",
    ("zero_one", BINARY_SCORE): "predict 1 iff f >= 0",
    ("zero_one", MULTICLASS_PROBABILITY): "argmax (first on ties)",
    ("zero_one", MULTICLASS_SCORE): "argmax (first on ties)",
    ("zero_one", REAL): "exact equality",
    ("absolute", REAL): "",
    ("log", BINARY_PROBABILITY): "p clipped to [eps, 1-eps], eps=2.22e-16",
    ("log", BINARY_SCORE): "sigmoid(f) clipped to [eps, 1-eps], eps=2.22e-16",
    ("log", MULTICLASS_PROBABILITY): "p clipped to [eps, 1-eps], eps=2.22e-16",
    ("log", MULTICLASS_SCORE): "softmax(f) clipped to [eps, 1-eps], eps=2.22e-16",
    ("squared", REAL): "",
    ("exponential", BINARY_PROBABILITY): "f = 2p - 1",
    ("exponential", BINARY_SCORE): "f = score",
    ("hinge", BINARY_PROBABILITY): "f = 2p - 1",
    ("hinge", BINARY_SCORE): "f = score",
    ("hinge", MULTICLASS_PROBABILITY): "Crammer-Singer on probabilities",
    ("hinge", MULTICLASS_SCORE): "Crammer-Singer",
    ("perceptron", BINARY_PROBABILITY): "f = 2p - 1",
    ("perceptron", BINARY_SCORE): "f = score",
    ("mae", REAL): "",
    ("mse", REAL): "",
    ("huber", REAL): "delta=1",
}


@pytest.mark.parametrize(("name", "conv"), RULES, ids=rule_id)
def test_rule_note_with_default_options(name, conv):
    assert (name, conv) in NOTES, f"no expected note for {name!r} under {conv}"
    assert loss_note(name, conv, LossOptions(), "mean") == NOTES[name, conv]


def test_notes_follow_options_and_reduction():
    opts = LossOptions(threshold=0.7, tolerance=0.25, eps=1e-15, delta=2.5)
    assert loss_note("zero_one", BINARY_PROBABILITY, opts, "mean") == "predict 1 iff p >= 0.7"
    assert loss_note("zero_one", REAL, opts, "mean") == "correct iff |y - f| < 0.25"
    assert loss_note("log", BINARY_SCORE, opts, "mean").endswith("eps=1e-15")
    assert loss_note("huber", REAL, opts, "sum") == "delta=2.5 (sum)"
    assert loss_note("absolute", REAL, opts, "sum") == "(sum)"
    assert loss_note("mse", REAL, opts, "sum") == "(always a mean)"
    assert loss_note("hinge", BINARY_SCORE, opts, "sum") == "f = score (sum)"


def test_applicability_matrix():
    expected = {
        BINARY: {"zero_one", "log", "exponential", "hinge", "perceptron"},
        MULTICLASS: {"zero_one", "log", "hinge"},
        REGRESSION: {"zero_one", "absolute", "squared", "mae", "mse", "huber"},
    }
    for task, names in expected.items():
        for name in LOSS_NAMES:
            assert (not_applicable_reason(name, task) is None) == (name in names), (name, task)
    assert "multiclass" in not_applicable_reason("exponential", MULTICLASS)
    assert "regression loss" in not_applicable_reason("mse", BINARY)
    assert "classification loss" in not_applicable_reason("log", REGRESSION)


def test_per_row_losses_skips_losses_that_do_not_apply():
    out = per_row_losses(REGRESSION, None, REG_Y, col(REG_F), ["log", "mae", "hinge"])
    assert list(out) == ["mae"]


def test_an_entry_supports_every_convention_of_its_tasks():
    rule = Rule(lambda b: b.y, lambda o: "")
    with pytest.raises(ValueError, match="no rule for"):
        LossSpec("half", "binary probabilities only", {BINARY_PROBABILITY: rule})


def test_resolve_names_and_aliases():
    assert resolve_loss_names([]) == LOSS_NAMES
    assert resolve_loss_names(["all"]) == LOSS_NAMES
    assert resolve_loss_names(["mse,log", "l1", "log"]) == ("log", "mae", "mse")
    assert ALIASES == {"log_loss": "log", "cross_entropy": "log", "l1": "mae", "l2": "mse"}
    assert resolve_loss_names(["Cross_Entropy", " l2 "]) == ("log", "mse")
    with pytest.raises(UsageError, match=r"did you mean 'hinge'.*valid names: zero_one"):
        resolve_loss_names(["hindge"])
