"""The seeding contract: (seed, key, indices) -> independent, reproducible streams."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from augcli.core.seeding import MAX_SEED, fresh_seed, generator, key_words, seed_sequence

ROOT = Path(__file__).resolve().parents[2]


def test_key_words_are_blake2b_128_little_endian():
    digest = hashlib.blake2b(b"cats/001.jpg", digest_size=16).digest()
    expected = tuple(int.from_bytes(digest[i : i + 4], "little") for i in (0, 4, 8, 12))
    assert key_words("cats/001.jpg") == expected
    assert all(0 <= w < 2**32 for w in expected)


def test_same_inputs_same_stream():
    a = generator(7, "a/b.png", 0, 3).random(10)
    b = generator(7, "a/b.png", 0, 3).random(10)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "other",
    [
        (8, "a/b.png", 0, 3),
        (7, "a/c.png", 0, 3),
        (7, "a/b.png", 1, 3),
        (7, "a/b.png", 0, 4),
        (7, "a/b.png", 0),
        (7, "a/b.png", 0, 3, 0),
        (7, "a\\b.png", 0, 3),
    ],
)
def test_any_change_gives_another_stream(other):
    base = generator(7, "a/b.png", 0, 3).random(10)
    assert not np.array_equal(generator(*other).random(10), base)


def test_streams_are_uncorrelated():
    draws = np.array([generator(1, "k", 0, i).random(2000) for i in range(8)])
    corr = np.corrcoef(draws)
    off_diagonal = corr[~np.eye(8, dtype=bool)]
    # For independent streams, SE of a correlation is 1/sqrt(2000) = 0.022; 5 SE.
    assert np.abs(off_diagonal).max() < 0.11


def test_seed_bounds():
    seed_sequence(0, "k")
    seed_sequence(MAX_SEED, "k")
    assert MAX_SEED == 2**64 - 1
    with pytest.raises(ValueError, match="seed must be in"):
        seed_sequence(-1, "k")
    with pytest.raises(ValueError, match="seed must be in"):
        seed_sequence(2**64, "k")


def test_streams_are_the_same_in_another_process_whatever_the_hash_seed():
    code = (
        "from augcli.core.seeding import generator; print(generator(3, 'x/y.jpg', 2, 1).random())"
    )
    here = generator(3, "x/y.jpg", 2, 1).random()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert float(out.stdout) == here


def test_fresh_seed_is_a_valid_seed():
    seeds = {fresh_seed() for _ in range(5)}
    assert all(0 <= s <= MAX_SEED for s in seeds) and len(seeds) > 1
