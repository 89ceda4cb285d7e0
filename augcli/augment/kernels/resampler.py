"""The Resampler protocol and the registry of resamplers by name (pillow core, opencv optional).

A resampler is a module with the two functions of :class:`Resampler`; :func:`get_resampler`
imports it only when its name is first asked for, so an optional dependency (OpenCV) is
needed only by the runs that choose it. Adding a resampler: one module under
``augcli/augment/kernels/`` and one entry in ``_LOADERS`` (config and schema take their
allowed values from :data:`RESAMPLERS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:  # only names here: the CLI reads RESAMPLERS without importing numpy
    import numpy as np

    from augcli.augment.kernels.affine import Transform
    from augcli.augment.kernels.fill import FillMode, Interpolation

ResamplerName = Literal["pillow", "opencv"]


@runtime_checkable
class Resampler(Protocol):
    """What :func:`augcli.augment.kernels.warp.warp` needs from a resampler."""

    def load(self) -> object:
        """Make sure the resampler can run in this process (import its library once).

        Raises
        ------
        ImportError
            Its library is missing or too old; the message gives the install command.
        """
        ...

    def resample(
        self,
        image: np.ndarray,
        transform: Transform,
        fill: FillMode,
        cvals: np.ndarray,
        interpolation: Interpolation,
    ) -> np.ndarray | None:
        """Resample ``image`` along ``transform``; None when the map is beyond this resampler.

        Parameters
        ----------
        image : numpy.ndarray
            HxW or HxWxC, uint8, uint16 or float32. Not modified.
        transform : Transform
            Output-to-input map and output shape.
        fill : str
            numpy.pad's mode name.
        cvals : numpy.ndarray
            One constant fill value per channel (image units).
        interpolation : str
            ``nearest``, ``bilinear`` or ``bicubic``.

        Returns
        -------
        numpy.ndarray or None
            A new array of ``transform.out_shape (+ C)`` and the input's dtype, or None (the
            caller then folds coordinates instead).
        """
        ...


def _pillow() -> Resampler:
    from augcli.augment.kernels import pillow

    return pillow


def _opencv() -> Resampler:
    from augcli.augment.kernels import opencv  # imports cv2 only in its load()

    return opencv


_LOADERS: dict[str, Callable[[], Resampler]] = {"pillow": _pillow, "opencv": _opencv}
RESAMPLERS: tuple[str, ...] = tuple(_LOADERS)
DEFAULT_RESAMPLER: ResamplerName = "opencv"


def get_resampler(name: str) -> Resampler:
    """The resampler registered as ``name`` (its module imported on first use).

    Raises
    ------
    ValueError
        ``name`` is not registered; the message lists the allowed names.

    Examples
    --------
    >>> get_resampler("pillow").__name__
    'augcli.augment.kernels.pillow'
    """
    loader = _LOADERS.get(name)
    if loader is None:
        raise ValueError(f"resampler {name!r}: allowed: {', '.join(RESAMPLERS)}")
    return loader()
