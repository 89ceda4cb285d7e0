"""``augcli preview`` with object-store URLs: inputs fetched into a private folder, -o put whole."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from augcli.augment.labels.files import LabelOptions
from augcli.core.stores import check_key, is_url, read_url, write_url


@contextlib.contextmanager
def staged_preview(
    image: Path | str, output: Path | str, labels: LabelOptions
) -> Iterator[tuple[Path, Path]]:
    """Local paths for a preview whose IMAGE, label files or -o are object-store URLs.

    Each URL input is fetched (capped, through :mod:`augcli.core.stores`) into a private
    temporary folder under its own name (the name keys the draws, so sample #i stays copy i of
    what ``augcli augment`` makes of it); a URL ``-o`` is written there and put in one piece
    when the sheet is complete. Local paths pass through unchanged.
    """
    urls = [str(image), str(output), *(p[0] for p in labels.paths.values())]
    if not any(is_url(u) for u in urls):
        yield Path(image), Path(output)
        return
    with tempfile.TemporaryDirectory(prefix="augcli-preview-") as tmp:
        root = Path(tmp)

        def fetch(url: str, label: str, folder: str) -> str:
            check_key(url.rsplit("/", 1)[-1], label)
            target = root / folder / url.rsplit("/", 1)[-1]
            target.parent.mkdir()
            target.write_bytes(read_url(url, label))
            return str(target)

        local_image = Path(fetch(str(image), "IMAGE", "image")) if is_url(image) else Path(image)
        labels.paths = {
            name: (fetch(paths[0], f"--{name}", name),) if is_url(paths[0]) else paths
            for name, paths in labels.paths.items()
        }
        out = str(output)
        local_output = root / "out" / out.rsplit("/", 1)[-1] if is_url(out) else Path(output)
        local_output.parent.mkdir(exist_ok=True)
        yield local_image, local_output
        if is_url(out):
            write_url(out, local_output.read_bytes(), "-o")
