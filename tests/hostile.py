"""Hostile workbooks for tests, generated on the spot: a few hundred KB that unpack to hundreds of MB.

Each is a valid .xlsx (content types, workbook, rels, one sheet) whose parts are written through
zipfile's deflate a chunk at a time, so building one never holds the unpacked XML in memory.
"""

import zipfile
from collections.abc import Iterable, Sequence
from io import BytesIO
from itertools import repeat
from xml.sax.saxutils import escape

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{shared}</Types>"
)
SHARED_OVERRIDE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">'
    '<sheets><sheet name="住户" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    "{shared}</Relationships>"
)
SHARED_REL = f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'


def inline_row(number: int, values: Sequence[str]) -> bytes:
    """A row of inline-string cells (no shared-strings table needed)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'.encode()


def workbook(*, rows: Iterable[bytes], shared_strings: Iterable[bytes] | None = None) -> bytes:
    """An .xlsx whose first sheet holds ``rows`` (XML chunks inside <sheetData>) and, when given,
    a shared-strings table of ``shared_strings`` (XML chunks inside <sst>)."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        shared = shared_strings is not None
        archive.writestr(
            "[Content_Types].xml", CONTENT_TYPES.format(shared=SHARED_OVERRIDE if shared else "")
        )
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(shared=SHARED_REL if shared else "")
        )
        _write(
            archive,
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{NS}"><sheetData>',
            rows,
            "</sheetData></worksheet>",
        )
        if shared_strings is not None:
            _write(archive, "xl/sharedStrings.xml", f'<sst xmlns="{NS}">', shared_strings, "</sst>")
    return buffer.getvalue()


def _write(
    archive: zipfile.ZipFile, name: str, head: str, chunks: Iterable[bytes], tail: str
) -> None:
    with archive.open(name, "w", force_zip64=True) as part:
        part.write(b'<?xml version="1.0" encoding="UTF-8"?>' + head.encode())
        for chunk in chunks:
            part.write(chunk)
        part.write(tail.encode())


def empty_rows(headers: Sequence[str], count: int) -> bytes:
    """The headers in row 1, then ``count`` empty ``<row/>`` elements (6 bytes each unpacked)."""
    return workbook(rows=_chain(inline_row(1, headers), _repeated(b"<row/>", count)))


def unused_shared_strings(headers: Sequence[str], data: Sequence[str], size: int) -> bytes:
    """A valid one-row file (inline strings) with a shared-strings table of about ``size`` bytes
    that no cell uses."""
    item = b"<si><t>" + "未使用的文字".encode() * 40 + b"</t></si>"
    return workbook(
        rows=[inline_row(1, headers), inline_row(2, data)],
        shared_strings=_repeated(item, size // len(item)),
    )


def one_huge_row(headers: Sequence[str], cells: int) -> bytes:
    """The headers, then one row of ``cells`` empty ``<c/>`` elements (4 bytes each)."""
    return workbook(
        rows=_chain(inline_row(1, headers), b'<row r="2">', _repeated(b"<c/>", cells), b"</row>")
    )


def _repeated(item: bytes, count: int) -> Iterable[bytes]:
    """``count`` copies of ``item``, in blocks of about 1 MB."""
    per_block = max(1, (1 << 20) // len(item))
    block = item * per_block
    full, rest = divmod(count, per_block)
    yield from repeat(block, full)
    yield item * rest


def _chain(*parts: Iterable[bytes] | bytes) -> Iterable[bytes]:
    for part in parts:
        if isinstance(part, bytes):
            yield part
        else:
            yield from part
