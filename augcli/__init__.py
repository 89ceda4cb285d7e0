"""augcli: offline image augmentation, loss evaluation and CNN pooling from the command line."""

from __future__ import annotations

__version__ = "0.1.0"
