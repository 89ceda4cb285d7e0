"""Loss evaluation: kernels, registry, metrics, the streaming table reader, evaluation, reports.

From Python, :func:`evaluate_losses` evaluates losses on numpy arrays with the conventions
of ``augcli loss``; :data:`LOSS_NAMES` lists the losses.
"""

from augcli.loss.arrays import evaluate_losses
from augcli.loss.evaluate import LossReport
from augcli.loss.registry import LOSS_NAMES, LossOptions

__all__ = ["LOSS_NAMES", "LossOptions", "LossReport", "evaluate_losses"]
