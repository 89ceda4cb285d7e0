"""Tests of augcli.pool."""
