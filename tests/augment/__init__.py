"""Tests of augcli.augment."""
