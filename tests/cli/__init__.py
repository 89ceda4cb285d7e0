"""Tests of augcli.cli."""
