"""COCO RLE in numpy against pycocotools (a test-only oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

pytest.importorskip("pycocotools", reason="needs pycocotools: pip install '.[test]'")

from pycocotools import mask as coco_mask

from augcli.augment.labels import rle

# pycocotools' decode (the oracle, not augcli) trips numpy 2's __array__ copy deprecation.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def _oracle(mask: np.ndarray) -> dict:
    return coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))


@settings(max_examples=200, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 40), st.integers(1, 40))))
def test_compressed_encoding_equals_pycocotools(mask):
    assert rle.compress(rle.encode(mask)) == _oracle(mask)["counts"].decode("ascii")


@settings(max_examples=200, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 40), st.integers(1, 40))))
def test_decoding_pycocotools_strings_gives_the_mask_back(mask):
    encoded = _oracle(mask)
    counts = rle.decompress(encoded["counts"].decode("ascii"))
    assert np.array_equal(rle.decode(counts, tuple(encoded["size"])), mask)
    assert rle.area(counts) == int(coco_mask.area(encoded))


def test_uncompressed_counts_decode_like_pycocotools_frPyObjects():
    counts = [3, 4, 0, 2, 11]  # an empty run inside, as COCO allows
    expected = coco_mask.decode(coco_mask.frPyObjects({"size": [4, 5], "counts": counts}, 4, 5))
    assert np.array_equal(rle.decode(counts, (4, 5)), expected.astype(bool))


def test_large_runs_round_trip_through_pycocotools():
    mask = np.zeros((600, 700), bool)
    mask[100:500, 50:650] = True
    mask[300, 300] = False
    text = rle.compress(rle.encode(mask))
    decoded = coco_mask.decode({"size": [600, 700], "counts": text.encode("ascii")})
    assert np.array_equal(decoded.astype(bool), mask)


@pytest.mark.parametrize(("counts", "size"), [([3, 4], (3, 3)), ([-1, 10], (3, 3))])
def test_counts_that_do_not_fit_the_size_are_refused(counts, size):
    with pytest.raises(ValueError):
        rle.decode(counts, size)


@pytest.mark.parametrize("text", ["\x01", "0a" + chr(200)])
def test_strings_outside_the_encoding_are_refused(text):
    with pytest.raises(ValueError):
        rle.decompress(text)
