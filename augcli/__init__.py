"""augcli: offline image data augmentation, loss evaluation and CNN pooling from the command line."""

from __future__ import annotations

__version__ = "0.1.0"
