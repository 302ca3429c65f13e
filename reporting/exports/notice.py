"""A notice (通报) as a Word document in the official document style (GB/T 9704-2012, 党政机关
公文格式): A4 portrait with the standard margins, the issuer in red 小标宋 with the red rule, the
number, the title in 二号小标宋, the body in 三号仿宋, headings in 黑体, a table per category.

A pure writer: a NoticeDocument in, .docx bytes out. The office opens it in Word or WPS, fills in
the number, edits and issues it.
"""

import io
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

# Fonts named as Chinese government offices have them installed; Word and WPS substitute close
# ones where they are missing. Set for East Asian text (w:eastAsia), which is what Word reads.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(12)  # 小四
SMALL_TABLE_SIZE = Pt(10.5)  # 五号
LINE = Pt(28)  # fixed line spacing, 22 lines a page
RED = RGBColor(0xE6, 0x00, 0x12)

# GB/T 9704: A4, top margin 37 mm, left 28 mm, type area 156 × 225 mm.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}


@dataclass(frozen=True)
class NoticeTable:
    """One section of the notice: its heading, a sentence summing it up, and its table (left out
    when it has no rows)."""

    heading: str
    summary: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    small: bool = False


@dataclass(frozen=True)
class NoticeDocument:
    """Everything the notice says, in order."""

    issuer: str
    number: str
    title: str
    addressee: str
    intro: str
    tables: tuple[NoticeTable, ...]
    closing: str
    date_text: str


def set_fonts(run: Run, east_asian: str, size: Pt, *, bold: bool = False) -> None:
    """A run's East Asian font (w:eastAsia), its Latin font and size."""
    run.font.name = LATIN_FONT
    run.font.size = size
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def _paragraph(
    document: DocxDocument,
    text: str,
    *,
    font: str = BODY_FONT,
    size: Pt = BODY_SIZE,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    color: RGBColor | None = None,
) -> Paragraph:
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE if size <= BODY_SIZE else Pt(size.pt + 8)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)  # two characters
    if align is not None:
        paragraph.alignment = align
    if text:
        run = paragraph.add_run(text)
        set_fonts(run, font, size)
        if color is not None:
            run.font.color.rgb = color
    return paragraph


def _red_rule(paragraph: Paragraph) -> None:
    """The red line under the issuer and number (版头中的分隔线)."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in {
        "w:val": "single",
        "w:sz": "12",
        "w:space": "4",
        "w:color": "E60012",
    }.items():
        bottom.set(qn(key), value)
    borders.append(bottom)
    p_pr.append(borders)


def _page_number(document: DocxDocument) -> None:
    """The page number in the footer, centred: — 1 —."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_fonts(paragraph.add_run("— "), "宋体", Pt(14))
    run = paragraph.add_run()
    set_fonts(run, "宋体", Pt(14))
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    set_fonts(paragraph.add_run(" —"), "宋体", Pt(14))


TYPE_AREA_MM = 156.0  # A4 less the 28 mm and 26 mm side margins
CELL_PADDING_MM = 6.0  # Table Grid's 1.9 mm each side, and a little air
UNIT_CHARS = 5  # 经济开发区, the longest unit name
SHORT = 4  # a column whose every text fits in this many characters is sized to fit (次数)


def _text_width(text: str) -> float:
    """Characters as wide as a Chinese one: digits and Latin letters count half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def column_widths(table: NoticeTable, size: Pt) -> list[Mm]:
    """The columns' widths in the type area: 序号 and 县区 (the first two) and the short columns
    (次数) just wide enough for their longest text on one line (经济开发区 is five characters); the
    longer columns (月份, the milestones) share the rest equally."""
    char_mm = size.pt * 25.4 / 72
    longest = [
        max(_text_width(row[c]) for row in (table.columns, *table.rows))
        for c in range(len(table.columns))
    ]
    longest[1] = max(longest[1], UNIT_CHARS)  # every table's 县区 alike, whichever units it names
    fitted = {
        c: n * char_mm + CELL_PADDING_MM for c, n in enumerate(longest) if c < 2 or n <= SHORT
    }
    wide = [c for c in range(len(longest)) if c not in fitted]
    if not wide:  # every column short (月份 of one month): the longest after 县区 takes the rest
        wide = [max(range(2, len(longest)), key=lambda c: longest[c])]
        fitted.pop(wide[0])
    share = (TYPE_AREA_MM - sum(fitted.values())) / len(wide)
    return [Mm(round(fitted.get(c, share), 1)) for c in range(len(longest))]


def _table(document: DocxDocument, table: NoticeTable) -> None:
    size = SMALL_TABLE_SIZE if table.small else TABLE_SIZE
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, values in enumerate((table.columns, *table.rows)):
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(2)
            run = paragraph.add_run(value)
            set_fonts(run, HEADING_FONT if r == 0 else BODY_FONT, size)
    widths = column_widths(table, size)
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the grid, which LibreOffice reads; the cells, which Word reads
        for cell in column.cells:
            cell.width = width
    # The header row repeats on each page a long table runs onto; no row is split across pages.
    for n, row in enumerate(grid.rows):
        properties = row._tr.get_or_add_trPr()
        keep = OxmlElement("w:cantSplit")
        keep.set(qn("w:val"), "true")
        properties.append(keep)
        if n == 0:
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            properties.append(repeat)


def notice_docx(notice: NoticeDocument) -> bytes:
    """The notice as .docx bytes."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, notice.issuer, font=TITLE_FONT, size=Pt(18), align=center, color=RED)
    _paragraph(document, "")
    number = _paragraph(document, notice.number, align=center)
    _red_rule(number)
    _paragraph(document, "")
    _paragraph(document, notice.title, font=TITLE_FONT, size=TITLE_SIZE, align=center)
    _paragraph(document, "")
    _paragraph(document, notice.addressee)
    _paragraph(document, notice.intro, indent=True)
    for table in notice.tables:
        _paragraph(document, table.heading, font=HEADING_FONT, indent=True)
        _paragraph(document, table.summary, indent=True)
        if table.rows:
            _table(document, table)
    _paragraph(document, notice.closing, indent=True)
    _paragraph(document, "")
    _paragraph(document, "")
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(document, notice.issuer, align=right)
    _paragraph(document, f"{notice.date_text}　　", align=right)
    _page_number(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
