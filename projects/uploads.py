"""Evidence uploads for start criteria: PDF, JPEG or PNG only, recognised by content, size capped.

The file name and the browser's content type are never trusted: the kind comes from the file's
first bytes, PDFs are opened and their pages read by pypdf, images are parsed by Pillow, and the
stored name is random with the detected suffix.
"""

import uuid
import warnings
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image
from pypdf import PdfReader

# kind → (content type, file suffix)
EVIDENCE_TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", ".pdf"),
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
}
EVIDENCE_ACCEPT = ",".join(content_type for content_type, _suffix in EVIDENCE_TYPES.values())

# Magic numbers at the start of each kind; HEAD_SIZE bytes are enough to tell them apart.
_SIGNATURES: dict[str, bytes] = {
    "pdf": b"%PDF-",
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG\r\n\x1a\n",
}
HEAD_SIZE = max(len(signature) for signature in _SIGNATURES.values())
# A complete PDF ends with %%EOF, possibly followed by a little whitespace or trailing junk.
_PDF_TAIL_SIZE = 2048
_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG"}
_MIB = 1024 * 1024


def evidence_kind(head: bytes) -> str | None:
    """The evidence kind ("pdf", "jpeg" or "png") that the file's first bytes announce, else None."""
    for kind, signature in _SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def _megabytes(size: int) -> str:
    """A byte count in MB for messages: one decimal at most, more digits only for tiny sizes."""
    value = size / _MIB
    if value >= 0.1:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.2g}"


def _check_pdf_tail(upload: UploadedFile, size: int) -> None:
    """Refuse a PDF whose last bytes hold no %%EOF marker: the upload was cut off."""
    upload.seek(max(0, size - _PDF_TAIL_SIZE))
    if b"%%EOF" not in upload.read(_PDF_TAIL_SIZE):
        raise ValidationError(
            _("PDF 文件不完整（缺少文件结尾标记），请重新上传完整的文件"),
            code="truncated",
        )


def _opens_without_password(reader: PdfReader) -> bool:
    """Whether an encrypted PDF opens with the empty password (locked only against editing); one
    that needs a password, or a cipher pypdf cannot undo here, cannot be checked or read at all."""
    try:
        return bool(reader.decrypt(""))
    except Exception:
        return False


def _check_pdf_document(upload: UploadedFile) -> None:
    """Refuse a PDF that pypdf cannot open, that has no page, a page it cannot read, or that needs
    a password to open: a file with a PDF's first and last bytes is not yet a document."""
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise ValidationError(
                _("PDF 文件已加密，无法打开核验，请上传不加密的文件"), code="encrypted_pdf"
            )
        pages = reader.pages
        if len(pages) == 0:
            raise ValidationError(_("PDF 文件没有任何页面，请重新上传"), code="empty_pdf")
        for page in pages:
            page.mediabox  # noqa: B018 - reading each page's size resolves the page's object
    except ValidationError:
        raise
    # pypdf reports malformed files with many exception types (PdfReadError, KeyError, ValueError,
    # ...); any of them means the file is not a PDF anyone could open.
    except Exception as error:
        raise ValidationError(
            _("PDF 文件无法打开（文件已损坏或不是真正的 PDF），请重新上传"), code="corrupt_pdf"
        ) from error


def _check_image(upload: UploadedFile, kind: str) -> None:
    """Refuse an image Pillow cannot parse fully, or one with more pixels than Pillow's bomb limit."""
    pillow_format = _PILLOW_FORMATS[kind]
    upload.seek(0)
    try:
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; such an image is refused too.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=[pillow_format]) as image:
                width, height = image.size
                image.verify()
            if kind == "jpeg":
                # Pillow's verify() checks nothing for JPEG; decoding at 1/8 scale reads every
                # scan cheaply and fails on a truncated file.
                upload.seek(0)
                with Image.open(upload, formats=[pillow_format]) as image:
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            _("图片像素过多，超过上限 %(limit)s 像素"),
            code="too_many_pixels",
            params={"limit": Image.MAX_IMAGE_PIXELS},
        ) from error
    # Pillow reports malformed data with many exception types (OSError, SyntaxError,
    # struct.error, ValueError, ...); any of them means the image cannot be trusted.
    except Exception as error:
        raise ValidationError(_("图片文件已损坏或不完整，请重新上传"), code="corrupt") from error


def validate_evidence(upload: UploadedFile) -> str:
    """The kind of an evidence upload, or ValidationError when it is empty, too large or not a
    complete PDF, JPEG or PNG. The upload is left at position 0 either way."""
    try:
        size = upload.size or 0
        if size == 0:
            raise ValidationError(_("文件为空"), code="empty")
        limit = settings.EVIDENCE_MAX_BYTES
        if size > limit:
            raise ValidationError(
                _("文件过大：%(size)s MB，上限 %(limit)s MB"),
                code="too_large",
                params={"size": _megabytes(size), "limit": _megabytes(limit)},
            )
        upload.seek(0)
        kind = evidence_kind(upload.read(HEAD_SIZE))
        if kind is None:
            raise ValidationError(
                _("只接受 PDF、JPEG 或 PNG 格式的扫描件或照片（按文件内容识别）"),
                code="unknown_type",
            )
        if kind == "pdf":
            _check_pdf_tail(upload, size)
            _check_pdf_document(upload)
        else:
            _check_image(upload, kind)
        return kind
    finally:
        upload.seek(0)


def evidence_filename(kind: str) -> str:
    """A random storage name ``evidence/<uuid4 hex><suffix>`` whose suffix is the detected kind's."""
    return f"evidence/{uuid.uuid4().hex}{EVIDENCE_TYPES[kind][1]}"


class EvidenceField(forms.FileField):
    """A file field for start-criterion evidence: validated by content, renamed to a random name.

    Django keeps only the base name of an upload's ``name``, so the cleaned upload is called
    ``<uuid4 hex><suffix>``; the model's ``upload_to`` puts it under ``evidence/``.
    """

    default_error_messages = {"empty": gettext_lazy("文件为空")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", EVIDENCE_ACCEPT)

    def clean(self, data: Any, initial: Any = None) -> Any:
        """Validate a newly uploaded file and rename it; keeping or clearing a file passes through."""
        upload = super().clean(data, initial)
        if isinstance(upload, UploadedFile):
            kind = validate_evidence(upload)
            upload.name = evidence_filename(kind)
            upload.content_type = EVIDENCE_TYPES[kind][0]
        return upload


def stored_file_response(request: HttpRequest, stored: FieldFile, name: str) -> FileResponse:
    """A stored scan or photo (evidence, stamp, document) for a user the caller has checked: typed
    by its content, never by its name (404 when empty or not a PDF/JPEG/PNG), named ``name`` plus
    the kind's suffix, inline unless ``?download=1``, and never cached by the browser."""
    if not stored:
        raise Http404
    handle = stored.open("rb")
    kind = evidence_kind(handle.read(16))
    handle.seek(0)
    if kind is None:
        handle.close()
        raise Http404
    content_type, suffix = EVIDENCE_TYPES[kind]
    response = FileResponse(
        handle,
        content_type=content_type,
        filename=f"{name}{suffix}",
        as_attachment=request.GET.get("download") == "1",
    )
    response["Cache-Control"] = "private, no-store"
    return response
