"""``augcli loss`` imports only what it needs: not the image stack of ``augcli augment``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = r"""
import json, sys
from augcli.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("augcli.augment.ops", "augcli.augment.config", "augcli.augment.run", "augcli.images",
         "augcli.pool", "PIL", "skimage", "cv2", "yaml", "dask", "scipy")
print(json.dumps(sorted(h for h in heavy if any(m == h or m.startswith(h + ".")
                                                 for m in sys.modules))))
"""


def test_loss_command_does_not_import_the_image_stack(tmp_path):
    table = tmp_path / "p.csv"
    table.write_text("y_true,y_pred\n1,0.9\n0,0.2\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "loss", str(table), "--format", "json"],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    assert json.loads(out.stdout.splitlines()[-1]) == []
    assert '"rows": 2' in out.stdout


def test_every_command_is_still_listed_and_found():
    from augcli.cli import cli

    names = ["augment", "preview", "ops", "schema", "validate", "manifest", "loss", "pool"]
    assert sorted(cli.commands) == sorted(names)
    assert all(cli.commands[n].name == n for n in names)
