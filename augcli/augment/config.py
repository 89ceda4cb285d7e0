"""YAML pipeline files -> a validated, typed :class:`PipelineSpec`.

Loading uses ``yaml.safe_load`` only (no tags that run code), after a bounded walk of the
composed node tree (so alias bombs and absurd nesting are refused before anything is built).
Validation is strict and complete: every problem in the file is reported, one line each,
naming the file, the line, the step and op, the key, what was given and what is allowed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from augcli.augment.kernels.resampler import DEFAULT_RESAMPLER, RESAMPLERS
from augcli.augment.ops import OPS, Op
from augcli.augment.ops.base import REQUIRED, Choice, Fixed, Param, Uniform, Value, fields_of
from augcli.core.errors import ConfigError, InputError
from augcli.core.gate import read_text
from augcli.core.seeding import MAX_SEED
from augcli.core.suggest import did_you_mean, unknown_name_message

MAX_CONFIG_BYTES = 64 << 10  # a pipeline is a few hundred bytes; bounds YAML parse time
MAX_NODES = 20_000
MAX_COPIES = 100_000
MAX_REPORTED = 20
TOP_KEYS = ("seed", "copies", "resampler", "pipeline")
RESAMPLE_KEYS = ("fill", "cval", "interpolation")
DEFAULT_NAME = "default.yaml"
_FLOAT_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Step:
    """One pipeline step: the op (with its validated config), its probability, where it is."""

    op: Op
    p: float
    index: int
    line: int | None = None


@dataclass(frozen=True)
class PipelineSpec:
    """A validated pipeline file."""

    steps: tuple[Step, ...]
    seed: int | None = None
    copies: int | None = None
    source: str = "<string>"
    resampler: str = DEFAULT_RESAMPLER


class _Problems:
    """Collects located error lines; raises them all at once."""

    def __init__(self, source: str, lines: dict[tuple, int]) -> None:
        self.source = source
        self.lines = lines
        self.items: list[str] = []

    def add(self, path: tuple, message: str, where: str = "") -> None:
        line = None
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                line = self.lines[path[:cut]]
                break
        loc = f"{self.source}:{line}" if line else self.source
        self.items.append(f"{loc}: {where}{message}")

    def raise_if_any(self) -> None:
        if self.items:
            shown = self.items[:MAX_REPORTED]
            if len(self.items) > MAX_REPORTED:
                shown.append(f"... and {len(self.items) - MAX_REPORTED} more problems")
            raise ConfigError("\n".join(shown))


def default_config_text() -> str:
    """The built-in default pipeline (``augcli/augment/data/default.yaml``)."""
    return resources.files("augcli.augment").joinpath("data", DEFAULT_NAME).read_text("utf-8")


def load_pipeline(path: str | Path | None = None, label: str = "pipeline file") -> PipelineSpec:
    """Read and validate a pipeline file; ``None`` gives the built-in default pipeline.

    The file is read through the gate (:func:`augcli.core.gate.read_text`): a regular file of
    at most ``MAX_CONFIG_BYTES``, so a FIFO or a device is refused without blocking.

    Parameters
    ----------
    path : str or pathlib.Path or None
        A YAML file (see README for the format).
    label : str
        The option or argument that named it, for messages (``-c``, ``CONFIG``).

    Returns
    -------
    PipelineSpec

    Raises
    ------
    ConfigError
        With every problem found, one per line.
    """
    if path is None:
        return parse_pipeline(default_config_text(), source=f"<built-in {DEFAULT_NAME}>")
    try:
        text = read_text(path, label, cap=MAX_CONFIG_BYTES)
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    return parse_pipeline(text, source=str(path))


def parse_pipeline(text: str, source: str = "<string>") -> PipelineSpec:
    """Validate pipeline YAML text; see :func:`load_pipeline`."""
    lines = _locate(text, source)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_message(exc, source)) from None
    problems = _Problems(source, lines)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {_type_name(data)}"
        raise ConfigError(
            f"{source}: the document is {kind}; expected a mapping with a 'pipeline' list"
        )
    for key in data:
        if key not in TOP_KEYS:
            problems.add(
                (key,),
                f"unknown top-level key '{key}'{did_you_mean(str(key), TOP_KEYS)}; "
                f"allowed: {', '.join(TOP_KEYS)}",
            )
    seed = _top_int(data, "seed", 0, MAX_SEED, problems)
    copies = _top_int(data, "copies", 1, MAX_COPIES, problems)
    resampler = data.get("resampler")
    resampler = DEFAULT_RESAMPLER if resampler is None else resampler
    if resampler not in RESAMPLERS:
        allowed = f"allowed: {', '.join(RESAMPLERS)}"
        problems.add(("resampler",), f"resampler: got {_shown(resampler)}; {allowed}")
    steps = _steps(data.get("pipeline", REQUIRED), problems)
    problems.raise_if_any()
    return PipelineSpec(tuple(steps), seed, copies, source, resampler)


# -- YAML plumbing ---------------------------------------------------------------------------


MAX_INT_DIGITS = 100
"""Longer YAML integers are never valid (a seed has at most 20 digits) and are not converted."""


class LongInteger:
    """A YAML integer written with more than ``MAX_INT_DIGITS`` digits, not converted.

    It stands in for the value so that validation names the key and the allowed range,
    instead of the conversion (``sys.get_int_max_str_digits``) or printing failing.
    """

    def __init__(self, text: str) -> None:
        self.digits = sum(ch.isalnum() for ch in text.lower().removeprefix("-").removeprefix("0x"))

    def __str__(self) -> str:
        return f"an integer of {self.digits} digits"

    __repr__ = __str__


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` whose over-long integers become :class:`LongInteger`."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:  # noqa: D102 - PyYAML hook
        text = str(node.value)
        if sum(ch.isalnum() for ch in text) > MAX_INT_DIGITS:
            return LongInteger(text)
        return super().construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def _yaml_message(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"{source}:{mark.line + 1}" if mark is not None else source
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None and mark is not None:
        if context_mark.line != mark.line:
            problem = f"{problem} ({context} at line {context_mark.line + 1})"
    if "python/" in str(exc) or "could not determine a constructor" in str(exc):
        problem = f"{problem}; tags that build Python objects are not allowed"
    return f"{where}: YAML error: {problem}"


def _locate(text: str, source: str) -> dict[tuple, int]:
    """Map key paths to 1-based lines; refuse documents whose node tree is too large."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_message(exc, source)) from None
    except RecursionError:
        raise ConfigError(f"{source}: nested too deeply to be a pipeline file") from None
    lines: dict[tuple, int] = {}
    budget = [MAX_NODES]

    def walk(node: yaml.Node, path: tuple, depth: int) -> None:
        budget[0] -= 1
        if budget[0] < 0 or depth > 50:
            raise ConfigError(
                f"{source}: too large or too deeply nested (aliases expand to more than "
                f"{MAX_NODES} nodes); a pipeline file is a short list of steps"
            )
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                line = key_node.start_mark.line + 1
                if key is not None and key in seen:
                    raise ConfigError(
                        f"{source}:{line}: duplicate key '{key}' (first at line {seen[key]}); "
                        "YAML would silently keep only the last"
                    )
                if key is not None:
                    seen[key] = line
                child = path + (key,)
                lines.setdefault(child, key_node.start_mark.line + 1)
                walk(value_node, child, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault(path + (i,), item.start_mark.line + 1)
                walk(item, path + (i,), depth + 1)

    if root is not None:
        walk(root, (), 0)
    return lines


def _type_name(value: Any) -> str:
    return {
        dict: "mapping",
        list: "list",
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    if isinstance(value, LongInteger):
        return str(value)
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, str) and len(text) > 40:
        text = text[:37] + "...'"
    elif len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({_type_name(value)})"


# -- top level -------------------------------------------------------------------------------


def _top_int(data: dict, key: str, lo: int, hi: int, problems: _Problems) -> int | None:
    if key not in data or data[key] is None:
        return None
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        problems.add((key,), f"{key}: got {_shown(value)}; allowed: an integer in [{lo}, {hi}]")
        return None
    return value


def _steps(pipeline: Any, problems: _Problems) -> list[Step]:
    if pipeline is REQUIRED:
        problems.add((), "missing 'pipeline': a list of steps such as '- flip: {p: 0.5}'")
        return []
    if not isinstance(pipeline, list) or not pipeline:
        problems.add(
            ("pipeline",),
            f"pipeline: got {_shown(pipeline)}; allowed: a non-empty list of steps",
        )
        return []
    steps = []
    for i, item in enumerate(pipeline):
        step = _step(i, item, problems)
        if step is not None:
            steps.append(step)
    return steps


def _step(i: int, item: Any, problems: _Problems) -> Step | None:
    path = ("pipeline", i)
    where = f"step {i + 1}: "
    if isinstance(item, str):
        item = {item: None}
    if not isinstance(item, dict) or len(item) != 1:
        problems.add(
            path,
            f"got {_shown(item)}; each step is a one-key mapping such as 'rotate: {{angle: 10}}'",
            where,
        )
        return None
    ((name, params),) = item.items()
    if name not in OPS:
        problems.add(path, unknown_name_message("op", str(name), OPS), where)
        return None
    op_cls = OPS[name]
    where = f"step {i + 1} ({name}): "
    params = {} if params is None else params
    if not isinstance(params, dict):
        problems.add(
            path + (name,),
            f"parameters: got {_shown(params)}; allowed: a mapping of keys to values",
            where,
        )
        return None
    before = len(problems.items)
    values, p = _op_values(op_cls, params, path + (name,), where, problems)
    if len(problems.items) > before:
        return None
    op = op_cls(op_cls.config_cls(**values))
    for key, message in op.check():
        problems.add(path + (name,) + ((key,) if key else ()), message, where)
    line = problems.lines.get(path)
    return Step(op, p, i + 1, line)


def _op_values(
    op_cls: type[Op], params: dict, path: tuple, where: str, problems: _Problems
) -> tuple[dict[str, Any], float]:
    specs = {name: (spec, default) for name, spec, default in fields_of(op_cls.config_cls)}
    allowed = [*specs, "p"]
    values: dict[str, Any] = {}
    p = 1.0
    for key, raw in params.items():
        kpath = path + (key,)
        if key == "p":
            number = _number(raw)
            if number is None or not 0.0 <= number <= 1.0:
                problems.add(kpath, f"p: got {_shown(raw)}; allowed: a number in [0, 1]", where)
            else:
                p = number
        elif key in specs:
            value, error = _value(specs[key][0], raw)
            if error:
                problems.add(kpath, f"{key}: got {_shown(raw)}; allowed: {error}", where)
            else:
                values[key] = value
        elif key in RESAMPLE_KEYS:
            problems.add(
                kpath,
                f"{key}: {op_cls.name} exposes no new pixels, so it takes no {key}",
                where,
            )
        else:
            problems.add(
                kpath,
                f"unknown key '{key}'{did_you_mean(str(key), allowed)}; "
                f"allowed: {', '.join(allowed)}",
                where,
            )
    for key, (spec, default) in specs.items():
        if default is REQUIRED and key not in params:
            problems.add(path, f"missing required key '{key}' ({spec.describe_range()})", where)
    return values, p


def _number(raw: Any) -> float | None:
    """A finite real number from YAML (bools excluded; '1e-3' text accepted), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and _FLOAT_TEXT.match(raw.strip()):
        raw = float(raw)
    if isinstance(raw, int):
        return float(raw) if abs(raw) < 1e300 else None
    if isinstance(raw, float) and math.isfinite(raw):
        return raw
    return None


def _value(spec: Param, raw: Any) -> tuple[Any, str | None]:
    """Validate one key's raw YAML value: ``(value, None)`` or ``(None, what is allowed)``."""
    allowed = spec.describe_range()
    if spec.kind == "boolean":
        return (raw, None) if isinstance(raw, bool) else (None, allowed)
    if spec.kind == "enum":
        if isinstance(raw, str) and raw in spec.choices:
            return raw, None
        return None, allowed + (did_you_mean(raw, spec.choices) if isinstance(raw, str) else "")
    if spec.kind == "cval":
        items = raw if isinstance(raw, list) else [raw]
        nums = [_number(v) for v in items]
        if not 1 <= len(items) <= 4 or any(n is None or not spec.admits(n) for n in nums):
            return None, "a number in [0, 1] (fraction of full intensity), or a list of 1-4 such"
        return (nums[0] if len(nums) == 1 and not isinstance(raw, list) else tuple(nums)), None
    if not spec.random:
        x = _single(spec, raw)
        return (None, allowed) if x is None else (int(x) if spec.kind == "integer" else x, None)
    parsed: Value | None = None
    if isinstance(raw, list):
        ends = [_single(spec, v) for v in raw]
        if len(raw) == 2 and None not in ends and ends[0] <= ends[1]:
            parsed = Uniform(ends[0], ends[1])
        elif len(raw) == 2 and None not in ends:
            return None, f"{allowed} (a range is [lo, hi] with lo <= hi)"
    elif isinstance(raw, dict):
        choices = raw.get("choice") if list(raw) == ["choice"] else None
        if isinstance(choices, list) and choices:
            picks = [_single(spec, v) for v in choices]
            if None not in picks:
                parsed = Choice(tuple(picks))
    else:
        x = _single(spec, raw)
        parsed = None if x is None else Fixed(x)
    return (parsed, None) if parsed is not None else (None, allowed)


def _single(spec: Param, raw: Any) -> float | None:
    x = _number(raw)
    if x is None or not spec.admits(x):
        return None
    if spec.kind == "integer" and not float(x).is_integer():
        return None
    return x
