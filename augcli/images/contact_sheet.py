"""A generic labelled grid of image tiles (contact sheet), drawn with Pillow.

Used by ``augcli pool`` (original + one tile per pooling method) and ``augcli preview``
(augmentation samples). Knows nothing about either.

Layout: cells of equal size (the largest tile), ``columns`` per row, each cell a caption strip
above its tile; tiles are centred in their cell on a white background. Small tiles (the largest
under :data:`MIN_TILE` pixels) are all enlarged by one whole factor, nearest neighbour, so that
pixels stay sharp and tiles keep their relative sizes; captions wrap, never cut.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

BACKGROUND = (255, 255, 255)
TEXT = (0, 0, 0)
MARGIN = 8
GAP = 8
MIN_TILE = 128


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType: bitmap font
        return ImageFont.load_default()


def _as_rgb(tile: np.ndarray, index: int) -> np.ndarray:
    tile = np.asarray(tile)
    if tile.dtype != np.uint8:
        raise ValueError(f"tile {index}: expected uint8, got {tile.dtype}")
    if tile.ndim == 2:
        tile = tile[:, :, None]
    if tile.ndim != 3 or tile.shape[2] not in (1, 3, 4) or 0 in tile.shape:
        raise ValueError(f"tile {index}: expected HxW or HxWx{{1,3,4}}, got shape {tile.shape}")
    if tile.shape[2] == 1:
        return np.repeat(tile, 3, axis=2)
    if tile.shape[2] == 4:  # composite over the white background
        alpha = tile[:, :, 3:].astype(np.float64) / 255.0
        mixed = tile[:, :, :3] * alpha + 255.0 * (1.0 - alpha)
        return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return tile


def _wrap(text: str, font, width: int, draw: ImageDraw.ImageDraw) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word longer than a line continues on the next."""

    def fits(s: str) -> bool:
        return draw.textlength(s, font=font) <= width

    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if fits(candidate):
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while not fits(line) and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and not fits(line[:cut]):
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def enlargement(tiles: list[np.ndarray], min_size: int = MIN_TILE) -> int:
    """The whole factor that brings the largest tile's longer side to at least ``min_size``."""
    longest = max(max(t.shape[:2]) for t in tiles)
    return max(1, math.ceil(min_size / longest))


def make_sheet(
    tiles: list[np.ndarray],
    labels: list[str],
    columns: int | None = None,
    *,
    font_size: int | None = None,
    min_tile: int = MIN_TILE,
) -> np.ndarray:
    """Arrange image tiles in a grid with a caption above each.

    Parameters
    ----------
    tiles : list of numpy.ndarray
        uint8 images, ``H x W`` (grey) or ``H x W x 3`` / ``H x W x 4`` (alpha composited on
        white). Sizes may differ; each is centred in a cell the size of the largest.
    labels : list of str
        One caption per tile (wrapped to the cell width; no text is cut).
    columns : int, optional
        Tiles per row; default ``ceil(sqrt(n))``.
    font_size : int, optional
        Caption size in pixels; default scales with the cell width (12 to 20 px).
    min_tile : int, optional
        When the largest tile's longer side is under this, every tile is enlarged by the
        smallest whole factor that reaches it (nearest neighbour); 1 never enlarges.

    Returns
    -------
    numpy.ndarray
        The sheet, uint8 ``H x W x 3``.

    Examples
    --------
    >>> a = np.zeros((4, 6), np.uint8)
    >>> make_sheet([a, a], ["zeros", "more zeros"]).dtype
    dtype('uint8')
    """
    if len(tiles) == 0:
        raise ValueError("make_sheet needs at least one tile")
    if len(tiles) != len(labels):
        raise ValueError(f"got {len(tiles)} tiles but {len(labels)} labels")
    rgb = [_as_rgb(tile, i) for i, tile in enumerate(tiles)]
    factor = enlargement(rgb, min_tile)
    if factor > 1:  # nearest neighbour: every pixel becomes a factor x factor block
        rgb = [np.repeat(np.repeat(t, factor, axis=0), factor, axis=1) for t in rgb]
    n = len(rgb)
    columns = columns or math.ceil(math.sqrt(n))
    if columns < 1:
        raise ValueError(f"columns must be >= 1, got {columns}")
    columns = min(columns, n)
    rows = math.ceil(n / columns)
    tile_h = max(t.shape[0] for t in rgb)
    tile_w = max(t.shape[1] for t in rgb)
    size = font_size or int(np.clip(tile_w // 16, 12, 20))
    font = _font(size)
    cell_w = max(tile_w, 6 * size)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    wrapped = [_wrap(str(label), font, cell_w, scratch) for label in labels]
    line_h = size + size // 4 + 2
    label_h = line_h * max(len(w) for w in wrapped) + 4
    cell_h = label_h + tile_h
    sheet = Image.new(
        "RGB",
        (
            2 * MARGIN + columns * cell_w + (columns - 1) * GAP,
            2 * MARGIN + rows * cell_h + (rows - 1) * GAP,
        ),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(sheet)
    for i, (tile, lines) in enumerate(zip(rgb, wrapped, strict=True)):
        row, col = divmod(i, columns)
        x0 = MARGIN + col * (cell_w + GAP)
        y0 = MARGIN + row * (cell_h + GAP)
        for k, line in enumerate(lines):
            draw.text((x0, y0 + 2 + k * line_h), line, fill=TEXT, font=font)
        tx = x0 + (cell_w - tile.shape[1]) // 2
        ty = y0 + label_h + (tile_h - tile.shape[0]) // 2
        sheet.paste(Image.fromarray(tile), (tx, ty))
    return np.asarray(sheet)
