"""Evidence uploads: only complete PDF, JPEG or PNG files, recognised by content, size capped, renamed."""

import io
import re

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from PIL import Image
from pypdf import PdfWriter

from projects.uploads import (
    EVIDENCE_TYPES,
    EvidenceField,
    evidence_filename,
    evidence_kind,
    validate_evidence,
)
from tests.pdf import PDF

UNKNOWN = "只接受 PDF、JPEG 或 PNG 格式的扫描件或照片（按文件内容识别）"
CORRUPT = "图片文件已损坏或不完整，请重新上传"


def image_bytes(pillow_format: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A real image of the given format and size, made by Pillow in memory."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, pillow_format)
    return buffer.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
GIF = image_bytes("GIF")
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


def upload(
    name: str, content: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_minimal_pdf_is_well_formed() -> None:
    """The hand-written test PDF really is a PDF: header, objects, xref offset and %%EOF at the end."""
    assert PDF.startswith(b"%PDF-1.4\n") and PDF.endswith(b"%%EOF\n")
    startxref = int(PDF.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert PDF[startxref:].startswith(b"xref\n")
    assert PDF[int(PDF.split(b"0000000000 65535 f \n")[1][:10]) :].startswith(b"1 0 obj")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PDF[:8], "pdf"),
        (b"%PDF-", "pdf"),
        (JPEG[:8], "jpeg"),
        (b"\xff\xd8\xff", "jpeg"),
        (PNG[:8], "png"),
        (GIF[:8], None),
        (SVG[:8], None),
        (HTML[:8], None),
        (EXE[:8], None),
        (b"", None),
        (b"%PDF", None),
        (b"\xff\xd8", None),
        (b"\x89PNG\r\n\x1a", None),
        (b" %PDF-1.4", None),
    ],
)
def test_evidence_kind_from_first_bytes(head: bytes, kind: str | None) -> None:
    """The kind is read from the magic number at the very start; anything else, or too short, is None."""
    assert evidence_kind(head) == kind


def test_evidence_types_name_content_type_and_suffix() -> None:
    """Each accepted kind maps to its content type and a lower-case suffix with the dot."""
    assert EVIDENCE_TYPES == {
        "pdf": ("application/pdf", ".pdf"),
        "jpeg": ("image/jpeg", ".jpg"),
        "png": ("image/png", ".png"),
    }


@pytest.mark.parametrize(
    ("name", "content", "content_type", "kind"),
    [
        ("设计公示.pdf", PDF, "application/pdf", "pdf"),
        ("scan.exe", PDF, "text/html", "pdf"),
        ("现场照片.png", PNG, "image/png", "png"),
        ("photo.pdf", PNG, "application/pdf", "png"),
        ("现场照片.jpg", JPEG, "image/jpeg", "jpeg"),
        ("noextension", JPEG, "application/octet-stream", "jpeg"),
        ("scan.pdf", PDF + b"\r\n\r\n", "application/pdf", "pdf"),
    ],
)
def test_valid_evidence_is_accepted_by_content(
    name: str, content: bytes, content_type: str, kind: str
) -> None:
    """A real PDF, PNG or JPEG is accepted whatever its name or declared type, and left at position 0."""
    file = upload(name, content, content_type)
    file.read(3)
    assert validate_evidence(file) == kind
    assert file.tell() == 0


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("x.png", SVG, "unknown_type", UNKNOWN),
        ("x.pdf", HTML, "unknown_type", UNKNOWN),
        ("x.jpg", EXE, "unknown_type", UNKNOWN),
        ("x.png", GIF, "unknown_type", UNKNOWN),
        ("x.pdf", b"%PDF", "unknown_type", UNKNOWN),
        ("x.pdf", b"", "empty", "文件为空"),
        ("x.png", PNG[: len(PNG) // 2], "corrupt", CORRUPT),
        ("x.png", PNG[:-12], "corrupt", CORRUPT),
        ("x.png", PNG[:8] + b"\x00" * 40, "corrupt", CORRUPT),
        ("x.jpg", JPEG[: len(JPEG) // 2], "corrupt", CORRUPT),
        ("x.jpg", JPEG[:-2], "corrupt", CORRUPT),
        ("x.pdf", PDF.removesuffix(b"%%EOF\n"), "truncated", "PDF 文件不完整"),
        ("x.pdf", PDF[: len(PDF) // 2], "truncated", "PDF 文件不完整"),
        ("x.pdf", PDF + b"\x00" * 2048, "truncated", "PDF 文件不完整"),
    ],
    ids=[
        "svg-named-png",
        "html-named-pdf",
        "exe-named-jpg",
        "gif",
        "pdf-magic-cut-short",
        "empty",
        "png-cut-in-half",
        "png-without-end-chunk",
        "png-header-then-zeros",
        "jpeg-cut-in-half",
        "jpeg-without-end-marker",
        "pdf-without-eof",
        "pdf-cut-in-half",
        "pdf-eof-not-near-end",
    ],
)
def test_bad_evidence_is_refused(name: str, content: bytes, code: str, message: str) -> None:
    """Disguised, empty, truncated or corrupt files are refused with a Chinese message, left at 0."""
    file = upload(name, content, "application/pdf")
    with pytest.raises(ValidationError) as caught:
        validate_evidence(file)
    assert caught.value.code == code
    assert message in caught.value.messages[0]
    assert file.tell() == 0


def test_oversize_file_is_refused_and_limit_itself_is_allowed(settings) -> None:  # type: ignore[no-untyped-def]
    """EVIDENCE_MAX_BYTES is inclusive: a file of exactly that size passes, one byte more is refused."""
    settings.EVIDENCE_MAX_BYTES = len(PDF)
    assert validate_evidence(upload("x.pdf", PDF)) == "pdf"
    file = upload("x.pdf", PDF + b"\n")
    with pytest.raises(ValidationError) as caught:
        validate_evidence(file)
    assert caught.value.code == "too_large"
    assert caught.value.messages[0].startswith("文件过大：")
    assert file.tell() == 0


def test_oversize_message_names_size_and_limit_in_mb(settings) -> None:  # type: ignore[no-untyped-def]
    """The message says how big the file is and what the limit is, in MB."""
    settings.EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    big = PDF[:-6] + b"\x00" * (11 * 1024 * 1024) + b"%%EOF\n"
    with pytest.raises(ValidationError) as caught:
        validate_evidence(upload("x.pdf", big))
    assert caught.value.messages == ["文件过大：11 MB，上限 10 MB"]


# The project's pytest config turns RuntimeWarnings into errors; ignore the bomb warning here, as a
# production server would, so the test proves validate_evidence itself refuses the image.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("pillow_format", "size"),
    [
        ("PNG", (11, 10)),  # over the limit: Pillow only warns, the upload is still refused
        ("PNG", (30, 30)),  # over twice the limit: Pillow raises DecompressionBombError
        ("JPEG", (11, 10)),
        ("JPEG", (30, 30)),
    ],
)
def test_image_over_the_decompression_bomb_limit_is_refused(
    monkeypatch: pytest.MonkeyPatch, pillow_format: str, size: tuple[int, int]
) -> None:
    """An image with more pixels than PIL.Image.MAX_IMAGE_PIXELS is refused, warning or error alike."""
    content = image_bytes(pillow_format, size)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    file = upload("x.png", content)
    with pytest.raises(ValidationError) as caught:
        validate_evidence(file)
    assert caught.value.code == "too_many_pixels"
    assert caught.value.messages == ["图片像素过多，超过上限 100 像素"]
    assert file.tell() == 0


@pytest.mark.parametrize("pillow_format", ["PNG", "JPEG"])
def test_image_at_the_pixel_limit_is_accepted(
    monkeypatch: pytest.MonkeyPatch, pillow_format: str
) -> None:
    """An image with exactly MAX_IMAGE_PIXELS pixels is not a bomb and passes."""
    content = image_bytes(pillow_format, (10, 10))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert validate_evidence(upload("x", content)) == pillow_format.lower()


@pytest.mark.parametrize("kind", ["pdf", "jpeg", "png"])
def test_evidence_filename_is_random_with_the_kinds_suffix(kind: str) -> None:
    """Stored names are evidence/<32 hex digits><suffix of the detected kind>, different each time."""
    suffix = EVIDENCE_TYPES[kind][1]
    first, second = evidence_filename(kind), evidence_filename(kind)
    assert re.fullmatch(rf"evidence/[0-9a-f]{{32}}{re.escape(suffix)}", first)
    assert first != second


@pytest.mark.parametrize(
    ("given_name", "content", "suffix", "content_type"),
    [
        ("设计公示.pdf", PDF, ".pdf", "application/pdf"),
        ("contract.jpg", PDF, ".pdf", "application/pdf"),
        ("../../etc/passwd", PDF, ".pdf", "application/pdf"),
        ("photo.pdf", PNG, ".png", "image/png"),
        ("photo.PNG.exe", PNG, ".png", "image/png"),
        ("site.png", JPEG, ".jpg", "image/jpeg"),
        ("noextension", JPEG, ".jpg", "image/jpeg"),
    ],
)
def test_field_renames_by_detected_kind(
    given_name: str, content: bytes, suffix: str, content_type: str
) -> None:
    """EvidenceField replaces the user's name by a random one with the detected suffix, and the
    browser's content type by the detected one."""
    file = upload(given_name, content, "text/html")
    cleaned = EvidenceField().clean(file)
    assert cleaned is file
    # Django keeps only the base name of an upload; upload_to adds the evidence/ folder.
    assert re.fullmatch(rf"[0-9a-f]{{32}}{re.escape(suffix)}", file.name or "")
    assert file.content_type == content_type
    assert file.tell() == 0


class EvidenceForm(forms.Form):
    evidence = EvidenceField(required=False)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.png", SVG, UNKNOWN),
        ("x.pdf", HTML, UNKNOWN),
        ("x.pdf", b"", "文件为空"),
        ("x.png", PNG[:-20], CORRUPT),
    ],
)
def test_form_shows_the_refusal_on_the_field(name: str, content: bytes, message: str) -> None:
    """A form with an EvidenceField is invalid for a bad upload and shows the Chinese message."""
    form = EvidenceForm(data={}, files=MultiValueDict({"evidence": [upload(name, content)]}))
    assert not form.is_valid()
    assert form.errors["evidence"] == [message]


def test_field_passes_through_keeping_or_clearing_a_file() -> None:
    """No new file keeps the stored one unvalidated; the clear checkbox gives False; nothing gives None."""
    stored = object()
    field = EvidenceField(required=False)
    assert field.clean(None, stored) is stored
    assert field.clean(False, None) is False
    assert field.clean(None) is None


def test_required_field_without_a_file_is_refused() -> None:
    """A required EvidenceField with no file is refused before any content check."""
    with pytest.raises(ValidationError) as caught:
        EvidenceField().clean(None)
    assert caught.value.code == "required"


def test_widget_accepts_only_the_three_types() -> None:
    """The file input hints the browser's picker at PDF, JPEG and PNG (the server still checks)."""
    html = str(EvidenceForm()["evidence"])
    assert 'accept="application/pdf,image/jpeg,image/png"' in html
    assert 'type="file"' in html


# --- PDFs are opened, not just looked at (issue 19) -----------------------------------------------


def written_pdf(
    pages: int = 1, user_password: str | None = None, owner_password: str = ""
) -> bytes:
    """A PDF written by pypdf with ``pages`` blank A4 pages, encrypted when a password is given."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if user_password is not None:
        writer.encrypt(user_password, owner_password=owner_password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


NOT_A_PDF = "PDF 文件无法打开（文件已损坏或不是真正的 PDF），请重新上传"
NO_PAGE = "PDF 文件没有任何页面，请重新上传"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"%PDF-1.4\n" + b"not a pdf at all\n" * 40 + b"%%EOF\n", "corrupt_pdf", NOT_A_PDF),
        (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
            "corrupt_pdf",
            NOT_A_PDF,
        ),
        (PDF.replace(PAGE, b"(" + b"x" * (len(PAGE) - 2) + b")"), "empty_pdf", NO_PAGE),
        (written_pdf(pages=0), "empty_pdf", NO_PAGE),
        (
            written_pdf(user_password="secret"),
            "encrypted_pdf",
            "PDF 文件已加密，无法打开核验，请上传不加密的文件",
        ),
    ],
    ids=[
        "text-between-header-and-eof",
        "catalog-without-xref",
        "page-not-a-page",
        "no-page",
        "needs-a-password",
    ],
)
def test_pdf_with_the_right_first_and_last_bytes_is_still_refused(
    content: bytes, code: str, message: str
) -> None:
    """A file starting %PDF- and ending %%EOF is refused, in Chinese, unless pypdf opens it without a
    password and reads every page."""
    file = upload("scan.pdf", content, "application/pdf")
    with pytest.raises(ValidationError) as caught:
        validate_evidence(file)
    assert (caught.value.code, caught.value.messages) == (code, [message])
    assert file.tell() == 0


@pytest.mark.parametrize(
    "content",
    [PDF, written_pdf(pages=3), written_pdf(user_password="", owner_password="owner")],
    ids=["hand-written-one-page", "three-pages", "locked-against-editing-only"],
)
def test_pdf_that_opens_is_accepted(content: bytes) -> None:
    """Real PDFs pass: one page or several, and one locked only against editing (empty password)."""
    assert validate_evidence(upload("scan.pdf", content, "application/pdf")) == "pdf"
