"""A page cut at its per-request values, stored pre-compressed, joined per request.

Every reader without a session gets the same bytes but for a few values that must be fresh per
request (the CSRF token, the form's idempotency token, its signed "shown at" stamp). The page is
rendered once with random placeholders where those go, cut at them into static segments, and
each segment is deflated once, on its own. A request then costs a join: the static segments'
bytes with the fresh values between them — and, for a reader whose browser takes gzip (all do),
the pre-deflated segments with the fresh values as stored (uncompressed) deflate blocks between
them, inside a gzip member whose CRC is carried on from the part before the first value. No
request compresses or scans the page (bench/README.md: what it buys behind nginx's own gzip).

A fresh value is never compressed together with page text, so the compressed length says
nothing about a secret (BREACH); the CSRF token is masked per request anyway.
"""

import struct
import zlib
from dataclasses import dataclass

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS
FINAL_BLOCK = b"\x03\x00"  # an empty fixed-Huffman block with the "last block" bit set


def deflate_segment(data: bytes, *, level: int = 6) -> bytes:
    """Raw deflate blocks for data, ending byte-aligned and not final (a sync flush).

    A fresh compressor never refers back past its own start, so such segments can follow
    one another in one stream.
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def stored_block(data: bytes) -> bytes:
    """data as one non-final stored deflate block (at a byte boundary; under 64 KiB)."""
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


def fill_slot(html: str, placeholder: str, pieces: list[str]) -> bytes:
    """html as UTF-8 with the pieces, each encoded on its own, in place of placeholder (once in it).

    For a page whose bulk is a few pieces (an article page's threads): a page whose frame holds
    one character past Latin-1 (’, →) is a str of 2 bytes a character, so pieces joined into it
    by the template engine were widened and copied at each level of the template, then encoded
    back. Here they are encoded once, from their own (ASCII) strings: 5.6 -> 3.2 ms for the
    10,000-comment first page's template (bench/README.md, "The cold first page").
    """
    before, after = html.split(placeholder)
    return b"".join([before.encode(), *(piece.encode() for piece in pieces), after.encode()])


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (a q of 0 refuses it)."""
    for coding in accept_encoding.lower().split(","):
        name, _, params = coding.partition(";")
        if name.strip() in ("gzip", "x-gzip", "*"):
            quality = params.strip().removeprefix("q=").strip()
            try:
                return not quality or float(quality) > 0
            except ValueError:
                return False
    return False


@dataclass(frozen=True)
class SplicedPage:
    """A page cut at its per-request values: static segments and, between them, slot names."""

    segments: tuple[bytes, ...]  # len(slots) + 1 of them
    slots: tuple[str, ...]
    deflated: tuple[bytes, ...]  # each segment on its own, see deflate_segment
    head_crc: int  # CRC-32 of segments[0]
    static_size: int

    @classmethod
    def build(cls, html: str, placeholders: dict[str, str]) -> "SplicedPage":
        """Cut html at every occurrence of the placeholders (name -> random text)."""
        page = html.encode()
        found = []  # (offset, slot name, placeholder length)
        for name, placeholder in placeholders.items():
            needle = placeholder.encode()
            offset = page.find(needle)
            while offset != -1:
                found.append((offset, name, len(needle)))
                offset = page.find(needle, offset + len(needle))
        found.sort()
        segments, start = [], 0
        for offset, _, length in found:
            segments.append(page[start:offset])
            start = offset + length
        segments.append(page[start:])
        return cls(
            segments=tuple(segments),
            slots=tuple(name for _, name, _ in found),
            deflated=tuple(deflate_segment(segment) for segment in segments),
            head_crc=zlib.crc32(segments[0]),
            static_size=sum(map(len, segments)),
        )

    def assemble(self, fills: dict[str, list[tuple[bytes, bytes]]]) -> "SplicedPage":
        """This page with some of its slots filled for good, each by pieces given as (bytes,
        the same deflated on its own: see deflate_segment, or a stored_block); the other
        slots stay, for the values of each request."""
        segments, deflated, slots = [[self.segments[0]]], [[self.deflated[0]]], []
        for slot, segment, packed in zip(self.slots, self.segments[1:], self.deflated[1:], strict=True):
            if slot in fills:
                for raw, raw_packed in fills[slot]:
                    segments[-1].append(raw)
                    deflated[-1].append(raw_packed)
                segments[-1].append(segment)
                deflated[-1].append(packed)
            else:
                slots.append(slot)
                segments.append([segment])
                deflated.append([packed])
        joined = tuple(b"".join(parts) for parts in segments)
        return SplicedPage(
            segments=joined,
            slots=tuple(slots),
            deflated=tuple(b"".join(parts) for parts in deflated),
            head_crc=zlib.crc32(joined[0]),
            static_size=sum(map(len, joined)),
        )

    def render(self, values: dict[str, str], *, gzip: bool) -> bytes:
        """The page with these values in its slots, gzip-encoded or plain."""
        filled = [values[slot].encode() for slot in self.slots]
        if not gzip:
            parts = [self.segments[0]]
            for value, segment in zip(filled, self.segments[1:], strict=True):
                parts += (value, segment)
            return b"".join(parts)
        crc = self.head_crc
        parts = [GZIP_HEADER, self.deflated[0]]
        for value, segment, deflated in zip(filled, self.segments[1:], self.deflated[1:], strict=True):
            crc = zlib.crc32(segment, zlib.crc32(value, crc))
            parts += (stored_block(value), deflated)
        size = self.static_size + sum(map(len, filled))
        parts += (FINAL_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(parts)
