"""augcli.augment.tasks: the Shard value (bounds, temporary-name tag) and ``K/N`` parsing."""

from __future__ import annotations

import pytest

from augcli.augment.tasks import MAX_SHARDS, Shard, parse_shard
from augcli.core.errors import UsageError


def test_parse_shard_accepts_k_of_n_and_refuses_the_rest():
    assert parse_shard("0/8") == Shard(0, 8)
    assert parse_shard(" 7 / 8 ") == Shard(7, 8)
    for bad in ("8/8", "1/0", "-1/4", "a/b", "3", "1/2/3", ""):
        with pytest.raises(UsageError, match="--shard"):
            parse_shard(bad)


def test_shard_refuses_k_or_n_out_of_bounds_and_tags_temporary_names_kofn():
    assert Shard(2, 5).temp_tag == "2of5-"
    assert Shard(MAX_SHARDS - 1, MAX_SHARDS).n == MAX_SHARDS
    for k, n in ((0, 0), (3, 3), (-1, 2), (0, MAX_SHARDS + 1)):
        with pytest.raises(ValueError, match="shard"):
            Shard(k, n)
