"""Hostile suite (issue 21): every test runs the real CLI and checks nothing outside DST changes."""
