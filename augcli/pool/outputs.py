"""Where ``augcli pool`` writes: output paths planned up front, never an input, atomic writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image

from augcli.core.atomic import atomic_write
from augcli.core.errors import OutputError, UsageError
from augcli.core.gate import Inputs
from augcli.images.formats import IMAGE_EXTENSIONS, format_for_path
from augcli.images.reading import write_image

OUTPUT_EXTENSIONS = (".npy", *sorted(IMAGE_EXTENSIONS))


def targets(output: Path, methods: tuple[str, ...]) -> list[Path]:
    """The files one input's results go to: ``output``, or ``STEM_METHOD.npy`` per method."""
    if output.suffix.lower() == ".npy" and len(methods) > 1:
        return [output.with_name(f"{output.stem}_{method}.npy") for method in methods]
    return [output]


def check_extension(output: Path) -> None:
    """Refuse an output extension pool cannot write."""
    if output.suffix.lower() not in OUTPUT_EXTENSIONS:
        raise UsageError(
            f"output {output}: unknown extension {output.suffix!r}; use "
            f"{', '.join(OUTPUT_EXTENSIONS)}"
        )


def refuse_inputs(outputs: Iterable[Path], inputs: Iterable[tuple[str, Path]]) -> None:
    """Exit 2 before anything is written if a planned output is an input or may not be written.

    Each output goes through :meth:`augcli.core.gate.Inputs.refuse_output`: refused when it
    is (by any name: symlink, hard link) or lies inside one of the inputs, or when it is a
    symlink, a special file or a hard-linked file itself.

    Parameters
    ----------
    outputs : iterable of Path
        Every file the run would write.
    inputs : iterable of (label, Path)
        Every file or folder the run reads, with the argument or option that named it.
    """
    guarded = Inputs.of(inputs)
    for out in outputs:
        guarded.refuse_output("-o", out)


def save_npy(array: np.ndarray, path: Path) -> None:
    """Write ``array`` to ``path`` atomically, creating the folder."""
    _atomic(path, lambda handle: np.save(handle, array, allow_pickle=False))


def _atomic(path: Path, save: Callable[[IO[bytes]], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_write(path) as handle:
            save(handle)
    except (ValueError, KeyError) as exc:
        raise OutputError(f"{path}: cannot write: {exc}") from None


def _gif_image(array: np.ndarray) -> Image.Image:
    """8-bit grey stays grey; colour gets an adaptive 256-colour palette (lossy, like JPEG)."""
    if array.dtype == np.uint16:
        array = np.rint(array / 257.0).astype(np.uint8)
    elif array.dtype.kind == "f":  # float images hold [0, 1]
        array = np.clip(np.rint(np.nan_to_num(array) * 255.0), 0, 255).astype(np.uint8)
    if array.ndim == 2 or array.shape[-1] == 1:
        return Image.fromarray(array.reshape(array.shape[:2]), "L")
    if array.shape[-1] == 2:  # grey + alpha: the grey
        return Image.fromarray(np.ascontiguousarray(array[..., 0]), "L")
    return Image.fromarray(np.ascontiguousarray(array[..., :3]), "RGB").quantize(256)


def save_image(array: np.ndarray, path: Path) -> None:
    """Write an image atomically, creating the folder; ``.gif`` is quantised (errors: exit 2)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if format_for_path(path) == "GIF":
        image = _gif_image(array)
        _atomic(path, lambda handle: image.save(handle, format="GIF"))
        return
    try:
        write_image(array, path)
    except ValueError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from None
