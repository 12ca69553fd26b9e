"""A gzip file inflated piece by piece gives its whole content, with ISA-L and with zlib."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from jettransfer.data.errors import InputFileError
from jettransfer.data.readers import gzip_pieces


@pytest.fixture(params=["isal", "zlib"])
def inflater(request, monkeypatch):
    if request.param == "zlib":
        monkeypatch.setattr(gzip_pieces, "igzip_lib", None)
    elif gzip_pieces.igzip_lib is None:
        pytest.skip("isal is not installed")
    return request.param


@pytest.fixture(scope="module")
def content() -> bytes:
    rng = np.random.default_rng(0)
    return b"".join(b"%r\n" % rng.random(4).tolist() for _ in range(30000))


@pytest.mark.parametrize("piece_bytes", [1000, 1 << 16])
def test_pieces_join_to_the_content_of_every_member(tmp_path, inflater, content, piece_bytes, monkeypatch):
    monkeypatch.setattr(gzip_pieces, "READ_BYTES", 4096)  # many reads per member
    path = tmp_path / "two_members.gz"
    path.write_bytes(gzip.compress(content[:500000]) + gzip.compress(content[500000:]))
    pieces = list(gzip_pieces.inflated_pieces(path, piece_bytes))
    assert b"".join(pieces) == content
    assert max(len(p) for p in pieces) <= piece_bytes


@pytest.mark.parametrize("damage, problem", [
    (lambda data: data[: len(data) - 100], "ends inside its compressed data"),
    (lambda data: data[:-8] + bytes([data[-8] ^ 1]) + data[-7:], "(checksum|data check)"),
    (lambda data: b"[[1, 2, 3, 4]]\n", "(wrapper|header)"),
])
def test_damaged_file_is_refused_by_name(tmp_path, inflater, content, damage, problem):
    path = tmp_path / "damaged.json.gz"
    path.write_bytes(damage(gzip.compress(content)))
    with pytest.raises(InputFileError, match=rf"damaged\.json\.gz: not a readable gzip file.*{problem}"):
        b"".join(gzip_pieces.inflated_pieces(path))
