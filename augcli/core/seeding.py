"""The seeding contract, for the whole project.

A run's seed plus an item's stable key (its relative path, hashed with hashlib; never ``hash()``,
which changes between processes) and integer indices (copy index, op index, ...) determine every
random draw for that item. Each consumer gets its own independent child stream, so results do
not depend on the number of worker processes, their order, or which subset of items is processed.

There is no global random state anywhere in augcli: every random function takes the
``numpy.random.Generator`` it should draw from.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np

MAX_SEED = 2**64 - 1


def key_words(key: str) -> tuple[int, ...]:
    """Hash a stable item key (e.g. a relative POSIX path) into four 32-bit words.

    Parameters
    ----------
    key : str
        The item's stable key; use forward slashes so it is the same on every platform.

    Returns
    -------
    tuple of int
        Four unsigned 32-bit integers from a BLAKE2b digest of the UTF-8 key. A file name that
        is not valid UTF-8 (decoded by Python with ``surrogateescape``) hashes its raw bytes.
    """
    digest = key_digest(key)
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def key_digest(key: str) -> bytes:
    """The 16-byte BLAKE2b digest of a stable item key, the hash every key-derived value uses.

    Seeds (:func:`key_words`) and shard membership (:class:`augcli.augment.tasks.Shard`) both come
    from it, so neither depends on the process, the platform or the other items.
    """
    return hashlib.blake2b(key.encode("utf-8", "surrogateescape"), digest_size=16).digest()


def seed_sequence(seed: int, key: str, *indices: int) -> np.random.SeedSequence:
    """The seed sequence of one item and stream: ``(seed, key, *indices)`` in, entropy out.

    Parameters
    ----------
    seed : int
        The run's seed, ``0 <= seed <= 2**64 - 1``.
    key : str
        The item's stable key (relative path).
    *indices : int
        Non-negative stream indices, e.g. ``copy_index, op_index``.

    Returns
    -------
    numpy.random.SeedSequence
        Distinct for every distinct ``(seed, key, indices)``.
    """
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be in [0, {MAX_SEED}], got {seed}")
    return np.random.SeedSequence(entropy=[seed, *key_words(key)], spawn_key=tuple(indices))


def generator(seed: int, key: str, *indices: int) -> np.random.Generator:
    """A fresh PCG64 generator for ``(seed, key, *indices)``; see :func:`seed_sequence`.

    Examples
    --------
    >>> a = generator(42, "cats/001.jpg", 0, 3).random()
    >>> b = generator(42, "cats/001.jpg", 0, 3).random()
    >>> a == b
    True
    """
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, key, *indices)))


def fresh_seed() -> int:
    """Draw a new run seed from the OS entropy pool (printed by the CLI so runs can be repeated)."""
    return secrets.randbits(32)
