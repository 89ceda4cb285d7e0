"""Test suite of augcli (a package so test modules can share tests.imagefactory)."""
