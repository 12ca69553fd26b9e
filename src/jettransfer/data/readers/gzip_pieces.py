"""A gzip file inflated piece by piece, so that a parser reads each piece while it is still in
the CPU's cache (inflating the whole file first and parsing it after costs a trip to memory for
every byte, both ways). Uses ISA-L (`isal`) where installed, 2-3x zlib's speed; zlib otherwise."""

from __future__ import annotations

import os
import zlib
from collections.abc import Generator, Iterator
from typing import BinaryIO

from jettransfer.data.errors import InputFileError

try:
    from isal import igzip_lib

    INFLATE_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error, igzip_lib.IsalError)
except ImportError:  # the same bytes, more slowly
    igzip_lib = None
    INFLATE_ERRORS = (OSError, EOFError, zlib.error)

PIECE_BYTES = 1 << 20  # inflated bytes per piece: a piece and its parse fit in a core's L2 cache
READ_BYTES = 1 << 18  # compressed bytes read at a time


def inflated_pieces(path: str | os.PathLike, piece_bytes: int | None = None) -> Iterator[bytes]:
    """The inflated content of the gzip file at `path` (all its members, in order), in pieces of
    at most `piece_bytes` (PIECE_BYTES by default). A truncated or corrupt file raises
    InputFileError naming it."""
    piece_bytes = piece_bytes or PIECE_BYTES
    member = _isal_member if igzip_lib is not None else _zlib_member
    try:
        with open(path, "rb") as handle:
            pending = handle.read(READ_BYTES)
            while pending:  # a gzip file may be several members one after another
                pending = (yield from member(handle, pending, piece_bytes)) or handle.read(READ_BYTES)
    except INFLATE_ERRORS as err:
        raise InputFileError(path, None, f"not a readable gzip file ({err}); truncated?") from err


def _isal_member(handle: BinaryIO, pending: bytes, piece_bytes: int) -> Generator[bytes, None, bytes]:
    """Yields the pieces of the member that starts at `pending` (the rest is read from `handle`
    as needed); returns what was read past the member's end."""
    inflater = igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_GZIP)
    while True:
        piece = inflater.decompress(pending, max_length=piece_bytes)
        pending = b""
        if piece:
            yield piece
        if inflater.eof:
            return inflater.unused_data
        if inflater.needs_input:
            pending = handle.read(READ_BYTES)
            if not pending:
                raise EOFError("the file ends inside its compressed data")


def _zlib_member(handle: BinaryIO, pending: bytes, piece_bytes: int) -> Generator[bytes, None, bytes]:
    inflater = zlib.decompressobj(wbits=31)
    while True:
        piece = inflater.decompress(pending, piece_bytes)
        pending = inflater.unconsumed_tail
        if piece:
            yield piece
        if inflater.eof:
            return inflater.unused_data
        if not pending and len(piece) < piece_bytes:  # all it was given is inflated
            pending = handle.read(READ_BYTES)
            if not pending:
                raise EOFError("the file ends inside its compressed data")
