"""The table of pooling methods: one :class:`MethodSpec` per method, in help and README order.

Adding a method takes one entry in :data:`METHODS` (plus its kernel and tests): its
parameters, their command-line options, its own default geometry, the files it reads besides
the input (with how they are loaded and what they conflict with), the rules between its
parameters, and its traits (random draws, dilation, dtype kept, non-negative input, behaviour
with infinities). :mod:`augcli.pool.registry` looks them up; no other module names a method.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from augcli.pool.kernels import avg_pool, global_avg_pool, max_pool, mixed_pool, stochastic_pool
from augcli.pool.lp import power_pool
from augcli.pool.problems import ParameterError
from augcli.pool.spec import ExtraInput, MethodSpec, Option, Param, always
from augcli.pool.weighted import LIP_DEFAULT, dpp_pool, lip_pool, softpool


def _lam_fixed(params: Mapping[str, Any]) -> bool:
    return params.get("lam") is not None


def _expectation(params: Mapping[str, Any]) -> bool:
    return params.get("mode", "sample") != "sample"


def _sampling(params: Mapping[str, Any]) -> bool:
    return not _expectation(params)


def _no_relu(params: Mapping[str, Any]) -> bool:
    return not params.get("relu", False)


def _power_rules(
    params: Mapping[str, Any], files: Collection[str], padding: tuple[int, int] | None
) -> None:
    if not params.get("torch_compat"):
        return
    if padding is not None and padding != (0, 0):
        raise ParameterError("{torch_compat} takes no {padding} (lp_pool2d has none)")
    if params.get("normalize", "sum") != "sum":
        raise ParameterError("{torch_compat} reproduces the sum form; drop {normalize} mean")


def _dpp_rules(
    params: Mapping[str, Any], files: Collection[str], padding: tuple[int, int] | None
) -> None:
    if "guide_filter" in files:
        if params.get("guide") != "full":
            raise ParameterError(
                "{guide_filter} is the filter of {guide} full, not {guide} {value}",
                value=params.get("guide"),
            )
    elif params.get("guide") == "full":
        raise ParameterError("{guide} full needs its 3x3 filter: {guide_filter} FILTER.npy")


def _importance(path: Path, source: Any) -> Any:
    from augcli.pool.arrays import load_importance  # file reading stays out of the registry

    return load_importance(path, source)


def _guide_filter(path: Path, source: Any) -> Any:
    from augcli.pool.arrays import load_filter

    return load_filter(path)


INF_IEEE = "as PyTorch: IEEE arithmetic (max: inf wins; avg: a window with +inf and -inf is NaN)"
INF_SOFTMAX = (
    "limit of the formula: a window whose largest logit is +inf gives the mean value there, "
    "logit -inf weighs 0"
)


COUNT_INCLUDE_PAD = Option(
    "--count-include-pad/--no-count-include-pad",
    "padded cells count in the divisor [yes].",
    kind="flag",
)

METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for spec in (
        MethodSpec(
            "max",
            max_pool,
            "largest value of each window (padding = -inf)",
            {},
            dilation=True,
            keeps_dtype=always,
            inf=INF_IEEE,
            diff_reference=True,
        ),
        MethodSpec(
            "avg",
            avg_pool,
            "mean of each window, PyTorch divisor rule",
            {
                "count_include_pad": Param(
                    True, "padded cells count in the divisor", (COUNT_INCLUDE_PAD,)
                ),
                "divisor_override": Param(
                    None,
                    "divide every window sum by this instead",
                    (Option("--divisor-override", "divide window sums by this.", kind="int"),),
                ),
            },
            inf=INF_IEEE,
            diff_reference=True,
        ),
        MethodSpec(
            "gap",
            global_avg_pool,
            "global average: one mean per plane",
            {},
            geometry=None,
            inf=INF_IEEE,
        ),
        MethodSpec(
            "mixed",
            mixed_pool,
            "max or avg at random (Yu et al.), or the blend lam*max + (1-lam)*avg",
            {
                "lam": Param(
                    None,
                    "fixed weight in [0, 1]; default: 0 or 1 at random",
                    (
                        Option("--lam", "fixed weight in [0,1], max*lam + avg*(1-lam)."),
                        Option(
                            "--test-mode",
                            "test-time choice.",
                            kind="choice",
                            choices=("max", "avg"),
                            values={"max": 1.0, "avg": 0.0},
                        ),
                    ),
                ),
                "scope": Param(
                    "call",
                    "one random lambda per call, channel or region",
                    (
                        Option(
                            "--lambda-scope",
                            "one random lambda per call, channel or region [call].",
                            kind="choice",
                            choices=("call", "channel", "region"),
                        ),
                    ),
                ),
                "p_max": Param(
                    0.5,
                    "probability that lambda = 1 (max)",
                    (Option("--p-max", "probability of max [0.5]."),),
                ),
                "count_include_pad": Param(
                    True, "divisor rule of the average part", (COUNT_INCLUDE_PAD,)
                ),
            },
            random=True,
            deterministic_when=_lam_fixed,
            inf=INF_IEEE,
        ),
        MethodSpec(
            "stochastic",
            stochastic_pool,
            "cell drawn with probability a / sum(a), or its expectation",
            {
                "mode": Param(
                    "sample",
                    "sample (training) or expectation (test)",
                    (
                        Option(
                            "--mode",
                            "training sample or test-time expectation [sample].",
                            kind="choice",
                            choices=("sample", "expectation"),
                        ),
                    ),
                ),
                "relu": Param(
                    False,
                    "clamp negatives to 0 instead of refusing them",
                    (Option("--relu", "clamp negatives to 0.", kind="flag"),),
                ),
            },
            random=True,
            deterministic_when=_expectation,
            keeps_dtype=_sampling,
            nonnegative=_no_relu,
            nonnegative_unless="relu",
            inf="a window holding +inf gives +inf (all its probability is there)",
        ),
        MethodSpec(
            "power",
            power_pool,
            "Lp pooling (sum |a|^p)^(1/p)",
            {
                "p": Param(
                    2.0, "power > 0 (inf: max |a|)", (Option("--p", "exponent > 0, or inf [2]."),)
                ),
                "normalize": Param(
                    "sum",
                    "sum (PyTorch LPPool2d) or mean (Boureau et al.)",
                    (Option("--lp-normalize", "[sum].", kind="choice", choices=("sum", "mean")),),
                ),
                "torch_compat": Param(
                    False,
                    "reproduce torch lp_pool2d: signed a^p, NaN for a negative sum, ceil rescale",
                    (
                        Option(
                            "--torch-compat",
                            "reproduce torch.nn.functional.lp_pool2d (signed a^p; ceil rescale).",
                            kind="flag",
                        ),
                    ),
                ),
            },
            inf="as PyTorch: a window holding an infinity gives +inf",
            rules=_power_rules,
        ),
        MethodSpec(
            "dpp",
            dpp_pool,
            "detail-preserving pooling, Lite (box mean) or Full (3x3 filter) guide",
            {
                "alpha": Param(
                    1.0, "weight floor alpha >= 0", (Option("--alpha", "weight floor >= 0 [1]."),)
                ),
                "lam": Param(
                    1.0,
                    "reward exponent lambda >= 0",
                    (Option("--lambda", "reward exponent >= 0 [1]."),),
                ),
                "variant": Param(
                    "sym",
                    "sym or asym (reward only brighter cells)",
                    (Option("--dpp-variant", "[sym].", kind="choice", choices=("sym", "asym")),),
                ),
                "norm": Param(
                    "mean",
                    "mean (authors' code), sum (CUDA kernel), none (paper)",
                    (
                        Option(
                            "--dpp-norm", "[mean].", kind="choice", choices=("mean", "sum", "none")
                        ),
                    ),
                ),
                "eps2": Param(
                    1e-3, "epsilon squared > 0", (Option("--eps2", "epsilon squared > 0 [1e-3]."),)
                ),
                "guide": Param(
                    "lite",
                    "lite: window mean; full: 3x3 filter (+ bias) at the window's first cell",
                    (
                        Option(
                            "--guide",
                            "window mean, or a given 3x3 filter [lite].",
                            kind="choice",
                            choices=("lite", "full"),
                        ),
                    ),
                ),
                "guide_filter": Param(
                    None,
                    "the full guide's filter (3x3, Cx3x3 or PyTorch's Cx1x3x3)",
                    (
                        Option(
                            "--guide-filter",
                            "full guide's filter (.npy, 3x3, Cx3x3 or Cx1x3x3).",
                            kind="path",
                        ),
                    ),
                ),
                "guide_bias": Param(
                    0.0,
                    "the full guide's bias",
                    (Option("--guide-bias", "full guide's bias [0]."),),
                ),
            },
            inf="a window holding an infinity gives NaN (its guide is not finite)",
            inputs=(ExtraInput("guide_filter", _guide_filter, implies={"guide": "full"}),),
            rules=_dpp_rules,
        ),
        MethodSpec(
            "lip",
            lip_pool,
            "local importance pooling sum I e^G / sum e^G",
            {
                "logits": Param(
                    None,
                    "importance logits G (array); default from logit and beta",
                    (
                        Option(
                            "--importance",
                            "importance logits G (.npy, HxW or the input's shape).",
                            kind="path",
                        ),
                    ),
                ),
                "logit": Param(
                    "identity",
                    "identity: G = beta*I; gate: G = beta*12*sigmoid(I)",
                    (
                        Option(
                            "--logit",
                            "G = beta*I or beta*12*sigmoid(I) [identity].",
                            kind="choice",
                            choices=("identity", "gate"),
                        ),
                    ),
                ),
                "beta": Param(
                    1.0,
                    "scale of the default logits",
                    (Option("--beta", "scale of the default logits [1]."),),
                ),
            },
            geometry=LIP_DEFAULT,
            inf=INF_SOFTMAX,
            inputs=(
                ExtraInput(
                    "logits",
                    _importance,
                    caption="G",
                    input_sized=True,
                    conflicts=("logit", "beta"),
                ),
            ),
        ),
        MethodSpec(
            "softpool",
            softpool,
            "softmax-weighted sum of each window",
            {},
            inf="+inf in a window gives +inf; -inf cells weigh 0 (all -inf: -inf)",
        ),
    )
}
