"""Tests of augcli.augment.kernels."""
