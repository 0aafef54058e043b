"""Reading an export file safely: streamed, cleaned, and refused with one line when it is bad.

defusedxml's parser refuses entity declarations (billion laughs, quadratic blow-up) and
external entities and DTDs (file and network access); expat gives the line of any other
fault. Exports from old sites often carry stray control characters and broken UTF-8, which
XML forbids: those are cleaned on the way in (and counted in the report) rather than
failing a whole site on one comment.
"""

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from functools import cache
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from defusedxml.ElementTree import iterparse as defused_iterparse

# Characters XML 1.0 forbids (tab, newline and carriage return are allowed).
CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])
ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
CHUNK = 64 * 1024

# Namespaces by what they mean: WordPress has written each with http and https, and 1.0 to 1.2.
NAMESPACES = [
    (re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$"), "excerpt"),
    (re.compile(r"^https?://wordpress\.org/export/1\.\d+/$"), "wp"),
    (re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/$"), "content"),
    (re.compile(r"^https?://purl\.org/dc/elements/1\.1/$"), "dc"),
    (re.compile(r"^https?://disqus\.com/disqus-internals/?$"), "dsq"),
    (re.compile(r"^https?://disqus\.com/?$"), ""),
    (re.compile(r"^urn:threadline:wxr:1$"), "tl"),
]


class ImportFileError(Exception):
    """The file cannot be imported; the message names the problem (and its line when known)."""


@cache
def local(tag: str) -> str:
    """'{http://wordpress.org/export/1.2/}comment' -> 'wp:comment'; unknown namespaces keep their URI."""
    if not tag.startswith("{"):
        return tag
    uri, _, name = tag[1:].partition("}")
    for pattern, prefix in NAMESPACES:
        if pattern.match(uri):
            return f"{prefix}:{name}" if prefix else name
    return tag


class CleanReader:
    """A binary file, read in chunks with broken UTF-8 replaced and control characters dropped."""

    def __init__(self, raw, *, on_progress: Callable[[int], None] | None = None):
        self.raw = raw
        self.bytes_read = 0
        self.replaced = 0
        self.dropped = 0
        self.on_progress = on_progress
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._clean = None  # decided on the first chunk: only files in UTF-8 are cleaned

    def read(self, size: int = CHUNK) -> bytes:
        data = self.raw.read(size if size and size > 0 else CHUNK)
        self.bytes_read += len(data)
        if self.on_progress is not None:
            self.on_progress(self.bytes_read)
        if self._clean is None:
            declared = ENCODING.match(data[:200])
            self._clean = declared is None or declared.group(1).lower().replace(b"_", b"-") in {
                b"utf-8",
                b"utf8",
            }
        if not self._clean:
            return data
        text = self._decoder.decode(data, final=not data)
        self.replaced += text.count("\ufffd")
        cleaned = text.translate(CONTROL)
        self.dropped += len(text) - len(cleaned)
        return cleaned.encode("utf-8")

    def notes(self) -> list[str]:
        """What cleaning changed, for the report."""
        notes = []
        if self.replaced:
            notes.append(f"{self.replaced} undecodable byte sequence(s) replaced with U+FFFD")
        if self.dropped:
            notes.append(f"{self.dropped} control character(s) dropped")
        return notes


def iterparse(reader: CleanReader) -> Iterator[tuple[str, ET.Element]]:
    """("start" | "end", element) events from the file; ImportFileError with the line on any fault."""
    parser = DefusedXMLParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    try:
        yield from defused_iterparse(reader, events=("start", "end"), parser=parser)
    except ParseError as error:
        line, _column = error.position
        reason = str(error).split(":")[0]
        raise ImportFileError(f"line {line}: the file is not well-formed XML ({reason})") from None
    except DefusedXmlException as error:
        line = parser.parser.CurrentLineNumber
        raise ImportFileError(f"line {line}: refused: {refusal(error)}") from None


def check_file(reader: CleanReader, *, root: str, kind: str) -> None:
    """Read the whole file once, building nothing: ImportFileError unless it is well-formed, free of
    entity declarations and external references, and its document element is <root>.

    The real run's first pass (a tenth of the time of reading it into records): a bad file
    fails here, before anything is written.
    """
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(what: str):
        def handler(*args):
            raise ImportFileError(f"line {parser.CurrentLineNumber}: refused: {what}")

        return handler

    def first_element(name, attributes):
        name = name.rsplit(" ", 1)[-1]
        if name != root:
            raise ImportFileError(
                f"line {parser.CurrentLineNumber}: not a {kind}: the document is <{name}>, not <{root}>"
            )
        parser.StartElementHandler = None

    # The same refusals as defusedxml's parser (used for reading): entities, external references.
    parser.EntityDeclHandler = refuse(_REFUSALS["EntitiesForbidden"])
    parser.UnparsedEntityDeclHandler = refuse(_REFUSALS["EntitiesForbidden"])
    parser.ExternalEntityRefHandler = refuse(_REFUSALS["ExternalReferenceForbidden"])
    parser.StartElementHandler = first_element
    try:
        parser.ParseFile(reader)
    except expat.ExpatError as error:
        reason = expat.errors.messages[error.code] if hasattr(expat.errors, "messages") else str(error)
        raise ImportFileError(f"line {error.lineno}: the file is not well-formed XML ({reason})") from None


_REFUSALS = {
    "EntitiesForbidden": "the file declares XML entities (an entity-expansion attack, or not an export)",
    "ExternalReferenceForbidden": "the file refers to an external entity (it would read files, the network)",
    "DTDForbidden": "the file has a document type definition",
}


def refusal(error: DefusedXmlException) -> str:
    return _REFUSALS.get(type(error).__name__, str(error))


def text(element: ET.Element | None) -> str:
    """The element's text, stripped; '' when the element or its text is missing."""
    if element is None or element.text is None:
        return ""
    return element.text.strip()
