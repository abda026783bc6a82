"""Official documents (公文) as .docx in the layout of GB/T 9704-2012 (党政机关公文格式).

Layout facts, all set here and checked by tests/documents/test_rendering.py:

* A4 (210 × 297 mm); margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm → text area
  156 × 225 mm.
* 22 lines × 28 characters: the section's line grid (``w:docGrid type=lines``, pitch 225 mm / 22) and
  body paragraphs at that exact line spacing; 3号 (16 pt) characters condensed by 0.25 pt (the Normal
  style's ``w:spacing``) so that 28 of them fill the 156 mm line and a 29th does not fit. (A
  character grid, ``linesAndChars``, is what Word's own template uses, but LibreOffice snaps a 16 pt
  character into two 15.8 pt grid cells and prints 14 characters a line; condensing works in Word, WPS
  and LibreOffice alike.)
* Fonts are named as the office's PCs have them: body 3号仿宋_GB2312, title 2号方正小标宋简体,
  first-level headings 黑体, second-level 楷体_GB2312, page numbers 4号宋体; each run names the font
  for East-Asian text too (``w:eastAsia``), which is what Word and WPS use for Chinese characters.
* The red issuing-authority mark (发文机关标志) centred at the top — or the office's own header image —
  then the document number (发文字号, 督〔2026〕12号) centred, then the red separator line, the title,
  the recipients (主送机关) followed by a full-width colon, the body with a two-character first-line
  indent, the issuing body (发文机关署名) and the date (成文日期, 2026年11月22日), right-aligned four
  characters from the margin, and the page number "— 1 —" in 4号 at the outside bottom corner
  (odd pages right, even pages left).

The content comes from :class:`OfficialDocument` (built by ``duban.documents.services``); the wording
and the header come from the office's template (``duban.documents.wording``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_MARK = Pt(36)  # 小初: the issuing-authority mark
RED = RGBColor(0xFF, 0x00, 0x00)

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
LINES, CHARS = 22, 28
TEXT_WIDTH, TEXT_HEIGHT = Mm(156), Mm(225)
LINE_PITCH_TWIPS = round(TEXT_HEIGHT.twips / LINES)  # 580 twips ≈ 28.95 pt
LINE_PITCH = Pt(LINE_PITCH_TWIPS / 20)
CHAR_PITCH_PT = TEXT_WIDTH.pt / CHARS  # ≈ 15.79 pt for a 16 pt font
# Body characters are condensed by this much (w:spacing is in twentieths of a point): 15.75 pt each.
CONDENSE_TWIPS = -5

COLOURS = {"blue": RGBColor(0x00, 0x70, 0xC0), "yellow": RGBColor(0xC9, 0x94, 0x00),
           "orange": RGBColor(0xE2, 0x6B, 0x0A), "red": RGBColor(0xC0, 0x00, 0x00)}
COLOUR_FILLS = {"blue": "0070C0", "yellow": "FFC000", "orange": "E26B0A", "red": "C00000"}


@dataclass(frozen=True)
class Block:
    """A piece of the body: ``kind`` is "p" (paragraph), "h1" (一、 黑体), "h2" (（一） 楷体) or "table"
    (``rows``, the first being the header)."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class OfficialDocument:
    """Everything one document shows, already worded."""

    kind: str
    number: str
    title: str
    recipients: str
    body: list[Block]
    authority_mark: str
    signature: str
    date: dt.date
    header_image: Path | None = None
    colour: str = ""  # urging tickets: blue / yellow / orange / red
    colour_label: str = ""
    copy_to: str = ""  # 抄送
    printed_by: str = ""  # 印发机关
    attachments: list[str] = field(default_factory=list)


def chinese_date(day: dt.date) -> str:
    """成文日期 as GB/T 9704 writes it: Arabic numerals, no leading zeros — 2026年11月22日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _fonts(run_or_style_rpr: object, name: str) -> None:
    """Name ``name`` for every script (ascii, hAnsi, eastAsia, cs) on a run's or style's rPr."""
    rpr = run_or_style_rpr.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]


def _run(p: Paragraph, text: str, *, font: str = FANGSONG, size: Pt = SIZE_3, bold: bool = False,
         colour: RGBColor | None = None) -> None:
    run = p.add_run(text)
    run.font.name = font
    run.font.size = size
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    _fonts(run._r, font)


def _spacing(p: Paragraph, *, exact: bool = True, before: float = 0, after: float = 0) -> None:
    fmt = p.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_PITCH


def _border_bottom(p: Paragraph, colour: str = "FF0000", size_eighths: int = 12) -> None:
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), colour)
    borders.append(bottom)
    ppr.append(borders)


def _shade(cell: object, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _page_field(p: Paragraph) -> None:
    """"— PAGE —" in 4号宋体."""
    _run(p, "— ", font=SONGTI, size=SIZE_4)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        run = p.add_run()
        run.font.size = SIZE_4
        _fonts(run._r, SONGTI)
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = " PAGE "
            run._r.append(instr)
        else:
            run.text = text or ""
    _run(p, " —", font=SONGTI, size=SIZE_4)


def _section_layout(doc: Document) -> None:  # type: ignore[valid-type]
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(15)
    section.footer_distance = Mm(28)  # the page number sits ≈ 7 mm below the text area
    sect_pr = section._sectPr
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    sect_pr.append(grid)
    # Outside page numbers: odd pages right, even pages left (GB/T 9704 §7.5).
    settings = doc.settings.element
    if settings.find(qn("w:evenAndOddHeaders")) is None:
        settings.append(OxmlElement("w:evenAndOddHeaders"))
    odd = section.footer.paragraphs[0]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = Pt(SIZE_4.pt)  # 右空一字
    _page_field(odd)
    even = section.even_page_footer.paragraphs[0]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = Pt(SIZE_4.pt)  # 左空一字
    _page_field(even)


def _default_style(doc: Document) -> None:  # type: ignore[valid-type]
    normal = doc.styles["Normal"]
    normal.font.name = FANGSONG
    normal.font.size = SIZE_3
    _fonts(normal.element, FANGSONG)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CONDENSE_TWIPS))
    normal.element.get_or_add_rPr().append(spacing)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _table(doc: Document, rows: Sequence[Sequence[str]]) -> None:  # type: ignore[valid-type]
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Columns as wide as their longest text (a unit's name needs more room than its rank).
    longest = [max(2, *(len(str(row[c])) for row in rows)) + 1 for c in range(len(rows[0]))]
    widths = [int(TEXT_WIDTH * n / sum(longest)) for n in longest]
    table.autofit = False
    for c, width in enumerate(widths):
        table.columns[c].width = width
        for cell in table.columns[c].cells:
            cell.width = width
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _spacing(p, exact=False)
            _run(p, str(value), font=HEITI if r == 0 else FANGSONG, size=SIZE_4)


def render_docx(d: OfficialDocument) -> bytes:
    """The document as .docx bytes."""
    doc = Document()
    _default_style(doc)
    _section_layout(doc)
    body = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()

    # 版头: the red issuing-authority mark (or the office's header image), the number, the red line.
    mark = body
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(mark, exact=False)
    if d.header_image is not None:
        mark.add_run().add_picture(str(d.header_image), width=TEXT_WIDTH)
    else:
        _run(mark, d.authority_mark, font=XIAOBIAOSONG, size=SIZE_MARK, colour=RED)
    doc.add_paragraph()  # 空二行
    doc.add_paragraph()
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(number, d.number)
    _border_bottom(number)  # the red separator line, just below the number (≈ 4 mm)

    if d.colour:
        # 催办单: the colour is shown, as on the paper tickets (S0-15).
        band = doc.add_table(rows=1, cols=1)
        band.alignment = WD_TABLE_ALIGNMENT.CENTER
        cell = band.cell(0, 0)
        _shade(cell, COLOUR_FILLS.get(d.colour, "808080"))
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, d.colour_label, font=HEITI, size=SIZE_3, bold=True,
             colour=RGBColor(0, 0, 0) if d.colour == "yellow" else RGBColor(0xFF, 0xFF, 0xFF))

    doc.add_paragraph()  # 空一行
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, d.title, font=XIAOBIAOSONG, size=SIZE_2)
    doc.add_paragraph()

    if d.recipients:
        p = doc.add_paragraph()
        _run(p, d.recipients.rstrip("：:") + "：")

    for block in d.body:
        if block.kind == "table":
            _table(doc, block.rows)
            continue
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(SIZE_3.pt * 2)  # 首行缩进二字
        font = {"h1": HEITI, "h2": KAITI}.get(block.kind, FANGSONG)
        _run(p, block.text, font=font)

    if d.attachments:
        doc.add_paragraph()
        for i, name in enumerate(d.attachments, start=1):
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(SIZE_3.pt * 2)
            _run(p, ("附件：" if i == 1 else "　　　") + (f"{i}．" if len(d.attachments) > 1 else "") + name)

    # 发文机关署名 and 成文日期: right, four characters from the right margin (右空四字).
    doc.add_paragraph()
    doc.add_paragraph()
    for text in (d.signature, chinese_date(d.date)):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(SIZE_3.pt * 4)
        _run(p, text)

    if d.copy_to or d.printed_by:
        doc.add_paragraph()
        if d.copy_to:
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Pt(SIZE_4.pt)
            _run(p, f"抄送：{d.copy_to}。", size=SIZE_4)
        if d.printed_by:
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Pt(SIZE_4.pt)
            _run(p, f"{d.printed_by}　　{chinese_date(d.date)}印发", size=SIZE_4)
            _border_bottom(p, colour="000000", size_eighths=4)

    core = doc.core_properties
    core.title = d.title
    core.author = d.signature
    core.created = dt.datetime(d.date.year, d.date.month, d.date.day)
    core.modified = core.created
    core.last_modified_by = d.signature
    core.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
