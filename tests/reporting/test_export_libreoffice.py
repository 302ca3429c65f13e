"""A real spreadsheet program opens the exported workbooks: Debian's LibreOffice, headless, prints
them to PDF. Skipped with a one-line reason when LibreOffice is missing; under CI=true it fails
instead, so a CI machine that lost LibreOffice cannot pass by skipping (as tests/browser does)."""

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MISSING = "LibreOffice 未安装（soffice），跳过导出工作簿的 PDF 转换测试"
if SOFFICE is None and os.environ.get("CI") != "true":
    pytest.skip(MISSING, allow_module_level=True)

# A PDF page object (not the /Pages tree); LibreOffice writes them uncompressed.
PAGE = re.compile(rb"/Type\s*/Page(?![a-z])")


def soffice() -> str:
    """LibreOffice's program; under CI=true its absence fails the test (elsewhere the module has
    been skipped)."""
    if SOFFICE is None:
        pytest.fail(f"CI=true，不得跳过：{MISSING.split('，')[0]}", pytrace=False)
    return SOFFICE


def to_pdf(workbook: Path, outdir: Path) -> Path:
    """The workbook printed to PDF by LibreOffice with its own throwaway profile."""
    profile = (outdir / "profile").as_uri()
    subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
        [
            soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return outdir / f"{workbook.stem}.pdf"


@pytest.mark.parametrize(
    ("args", "sheets"),
    [
        (["--month", "5"], 4),
        (["--month", "5", "--unit", "驿城区"], 6),
        (["--month", "7", "--unit", "驿城区"], 6),
        (["--month", "12", "--assessment"], 1),
    ],
)
def test_libreoffice_prints_the_exported_workbook(
    programme: None, tmp_path: Path, args: list[str], sheets: int
) -> None:
    """The demo's May reports (the city's compilation, a unit's valid report), a unit's July
    working copy and the assessment table convert to a PDF with at least a page per sheet."""
    soffice()
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo_reports", verbosity=0)
    workbook = tmp_path / "report.xlsx"
    call_command(
        "export_monthly_report",
        "--year",
        "2022",
        *args,
        "--out",
        str(workbook),
        stdout=io.StringIO(),
    )
    # A working copy is saved under a marked name beside the one asked for.
    [workbook] = tmp_path.glob("report*.xlsx")
    pdf = to_pdf(workbook, tmp_path)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-")
    assert len(PAGE.findall(content)) >= sheets
