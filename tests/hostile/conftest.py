"""Fixtures of the hostile suite: a scene (sentinel outside DST, watched inputs) per test."""

from __future__ import annotations

import hashlib
import os

import pytest

from tests.hostile.helpers import Scene


@pytest.fixture
def scene(tmp_path) -> Scene:
    """A temporary world holding ``outside/sentinel.txt`` (random bytes, never to change)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    sentinel = outside / "sentinel.txt"
    sentinel.write_bytes(b"sentinel " + os.urandom(32).hex().encode() + b"\n")
    return Scene(tmp_path, sentinel, hashlib.sha256(sentinel.read_bytes()).hexdigest())
