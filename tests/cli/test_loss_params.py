"""`augcli loss` options of the loss parameters: generated from the registry, reaching kernels."""

from __future__ import annotations

import json
import math

import click
import pytest
from click.testing import CliRunner

from augcli.cli import cli
from augcli.cli.loss import loss_command, loss_param_option
from augcli.loss.registry import PARAMS
from augcli.loss.spec import LossParam

# Parameter -> (CSV, loss, value given, loss with it, loss at the default); hand-computed.
CASES = {
    # Huber, delta 0.5: |r| = 0.25 -> r^2/2 = 0.03125; |r| = 2 -> 0.5 (2 - 0.25) = 0.875.
    # Default delta 1: 0.03125 and 1 (2 - 0.5) = 1.5.
    "delta": ("y_true,y_pred\n1.5,1.75\n1.5,3.5\n", "huber", "0.5", 0.453125, 0.765625),
    # p = 0 for y = 1 and p = 1 for y = 0, clipped to [0.1, 0.9]: -ln 0.1 each; default eps
    # clips to 2.220446049250313e-16: -ln of that.
    "eps": (
        "y_true,y_pred\n1,0\n0,1\n",
        "log",
        "0.1",
        -math.log(0.1),
        -math.log(2.220446049250313e-16),
    ),
    # Cut 0.7: 0.6 predicts 0 for y = 1 (wrong), 0.3 predicts 0 (right); cut 0.5: both right.
    "threshold": ("y_true,y_pred\n1,0.6\n0,0.3\n", "zero_one", "0.7", 0.5, 0.0),
    # |y - f| = 0.1, 0.5, 0: T = 0.2 gets the second wrong; exact equality the first two.
    "tolerance": ("y_true,y_pred\n1,1.1\n2,2.5\n3.5,3.5\n", "zero_one", "0.2", 1 / 3, 2 / 3),
}


def _loss(tmp_path, text, loss, *args):
    path = tmp_path / "p.csv"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["loss", str(path), "-l", loss, "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["losses"][loss]


def test_every_param_has_a_case():
    assert sorted(CASES) == sorted(p.name for p in PARAMS)


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
def test_every_param_is_an_option_in_loss_help(param):
    result = CliRunner().invoke(cli, ["loss", "--help"], terminal_width=400)
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if x.strip().startswith(param.flag + " "))
    assert param.help_text in line
    if param.metavar:
        assert f"{param.flag} {param.metavar} " in line
    if param.default is not None:
        assert f"[default: {param.default}" in line


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
def test_every_param_reaches_its_kernel(tmp_path, param):
    text, loss, value, expected, at_default = CASES[param.name]
    assert _loss(tmp_path, text, loss, param.flag, value) == pytest.approx(expected, abs=1e-12)
    assert _loss(tmp_path, text, loss) == pytest.approx(at_default, abs=1e-12)


def test_loss_command_takes_the_params_in_registry_order_between_reduction_and_per_row():
    names = [p.name for p in loss_command.params]
    at = names.index("reduction") + 1
    assert names[at : at + len(PARAMS)] == [p.name for p in PARAMS]
    assert names[at + len(PARAMS)] == "per_row"


def _fake_command(param: LossParam) -> click.Command:
    @click.command()
    @loss_param_option(param)
    def fake(**values):
        click.echo(json.dumps(values))

    return fake


def test_a_fake_loss_param_becomes_a_click_option():
    gamma = LossParam("gamma", "--gamma", "Focal gamma.", 2.0, minimum=0, max_open=True)
    fake = _fake_command(gamma)
    runner = CliRunner()
    assert json.loads(runner.invoke(fake, []).stdout) == {"gamma": 2.0}
    assert json.loads(runner.invoke(fake, ["--gamma", "3"]).stdout) == {"gamma": 3.0}
    assert "Focal gamma.  [default: 2.0; x>=0]" in runner.invoke(fake, ["--help"]).output
    below = runner.invoke(fake, ["--gamma", "-1"])
    assert below.exit_code == 2 and "Invalid value for '--gamma'" in below.output
    nan = runner.invoke(fake, ["--gamma", "nan"])
    assert nan.exit_code == 2 and "not a finite number" in nan.output


def test_an_unset_fake_param_says_what_unset_means_and_passes_none():
    cut = LossParam("cut", "--cut", "A cut.", unset="the loss's own", metavar="X")
    fake = _fake_command(cut)
    runner = CliRunner()
    assert json.loads(runner.invoke(fake, []).stdout) == {"cut": None}
    assert "--cut X  A cut. [default: the loss's own]" in runner.invoke(fake, ["--help"]).output
