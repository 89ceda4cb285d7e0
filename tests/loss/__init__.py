"""Tests of augcli.loss."""
