"""What pooling kernels raise: ``ValueError``s whose messages name parameters a caller can relabel.

Kernels are pure: they know their keyword parameters, not the command-line flags that set them.
A message is a template whose ``{fields}`` are either values (given to the constructor) or
parameter names (all other fields). ``str(error)`` shows parameter names as Python spells them
(``lam must be in [0, 1], got 3.0``); a caller that knows better labels, such as the CLI with
its flags, calls :meth:`LabelledError.render` (``--lam must be in [0, 1], got 3.0``).

>>> error = ParameterError("{lam} must be in [0, 1], got {value}", value=3.0)
>>> str(error)
'lam must be in [0, 1], got 3.0'
>>> error.render({"lam": "--lam"})
'--lam must be in [0, 1], got 3.0'
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any


class LabelledError(ValueError):
    """A ``ValueError`` whose message names parameters through ``{field}`` placeholders.

    Parameters
    ----------
    template : str
        The message; each ``{field}`` not in ``values`` names a parameter.
    spelled : dict, optional
        How Python callers read a parameter, when not its bare name (e.g. ``relu=True``).
    **values
        Values inserted into the message (never parsed as templates themselves).
    """

    def __init__(
        self, template: str, *, spelled: Mapping[str, str] | None = None, **values: Any
    ) -> None:
        self.template = template
        self.values = values
        self.parameters = tuple(
            field
            for _, field, _, _ in string.Formatter().parse(template)
            if field and field not in values
        )
        self.spelled = dict(spelled or {})
        super().__init__(self.render())

    def render(self, labels: Mapping[str, str] | None = None) -> str:
        """The message with each parameter shown by ``labels`` (default: its Python spelling).

        Parameters
        ----------
        labels : dict, optional
            Parameter name -> how the caller's user knows it (a CLI flag such as ``--lam``).

        Returns
        -------
        str
            The rendered message.
        """
        names = {name: self.spelled.get(name, name) for name in self.parameters}
        names.update({name: labels[name] for name in self.parameters if name in (labels or {})})
        return self.template.format(**names, **self.values)


class ParameterError(LabelledError):
    """A parameter or geometry that cannot work (out of range, unknown, not for this method)."""


class DataError(LabelledError):
    """An array that cannot be pooled (dtype, empty planes, negative values, logits shape)."""
