"""Regenerate the small real images in tests/data from scikit-image's bundled photographs.

Run from the repository root: ``python tests/data/make_data.py``. Sources and licences are in
tests/data/README.md. Each file is a downscaled crop, a few kilobytes, in a format augcli must
take as input: PPM/PGM (16-bit too), TGA with alpha, PCX, SGI, ICO, JPEG 2000, DDS, a
hand-written PSD, and an EXIF-rotated JPEG.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

HERE = Path(__file__).resolve().parent


def small(array: np.ndarray, width: int) -> Image.Image:
    image = Image.fromarray(array)
    height = round(image.height * width / image.width)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def psd(path: Path, rgb: np.ndarray) -> None:
    """A minimal Photoshop file: header, empty sections, raw planar RGB image data."""
    h, w, c = rgb.shape
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, c, h, w, 8, 3)
    sections = struct.pack(">III", 0, 0, 0)  # colour mode data, image resources, layers
    planes = b"".join(rgb[:, :, k].tobytes() for k in range(c))
    path.write_bytes(header + sections + struct.pack(">H", 0) + planes)


def main() -> None:
    coffee = small(skimage.data.coffee(), 48)
    camera = small(skimage.data.camera(), 40)
    cat = small(skimage.data.chelsea(), 44)
    astronaut = small(skimage.data.astronaut(), 36)
    coffee.save(HERE / "coffee.ppm")
    camera.save(HERE / "camera.pgm")
    deep = (np.asarray(camera, np.uint16) * 257)[:, ::-1]
    Image.fromarray(deep).save(HERE / "camera_16bit.pgm")
    rgba = cat.convert("RGBA")
    alpha = np.full((rgba.height, rgba.width), 255, np.uint8)
    alpha[: rgba.height // 3] = 96
    rgba.putalpha(Image.fromarray(alpha))
    rgba.save(HERE / "chelsea_alpha.tga")
    astronaut.save(HERE / "astronaut.pcx")
    coffee.save(HERE / "coffee.sgi")
    astronaut.convert("RGBA").resize((32, 32)).save(HERE / "astronaut.ico", sizes=[(32, 32)])
    cat.save(HERE / "chelsea.jp2")
    coffee.convert("RGBA").save(HERE / "coffee.dds")
    psd(HERE / "astronaut.psd", np.asarray(astronaut))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    cat.save(HERE / "chelsea_exif6.jpg", quality=90, exif=exif.tobytes())


if __name__ == "__main__":
    main()
