"""Official documents (issue #7): the .docx layout facts of GB/T 9704-2012, numbering per kind and year
kept in the ledger, the four kinds, the office's own template, and the PDF (fonts embedded, red header).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from duban.documents import services
from duban.documents.docx import FANGSONG, HEITI, XIAOBIAOSONG, chinese_date
from duban.documents.models import IssuedDocument
from duban.documents.pdf import PdfUnavailable, docx_to_pdf
from duban.documents.wording import TemplateError
from duban.items.errors import PermissionDenied, StateConflict
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from duban.urging import services as urging
from duban.urging.models import Ticket
from tests.factories import District, at
from tests.urging.test_sweep import handed_out
from tests.web.conftest import registered

pytestmark = pytest.mark.django_db


def _open(content: bytes) -> Document:  # type: ignore[valid-type]
    return Document(io.BytesIO(content))


def _texts(doc: Document) -> list[str]:  # type: ignore[valid-type]
    return [p.text for p in doc.paragraphs]


def _east_asia(run: object) -> str:
    fonts = run._r.rPr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    return str(fonts.get(qn("w:eastAsia")))


def _run_with(doc: Document, text: str) -> object:  # type: ignore[valid-type]
    for p in doc.paragraphs:
        for run in p.runs:
            if text in run.text:
                return run
    raise AssertionError(f"no run with {text!r}")


def test_S0_9_notice_layout_margins_grid_fonts_number_and_date(district: District) -> None:
    d = district
    item = handed_out(d)
    produced = services.notice(d.alice, item, now=at("2026-03-03", 9))
    doc = _open(produced.docx())
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    # text area 156 × 225 mm; a line grid of 22 lines
    assert round((section.page_width - section.left_margin - section.right_margin) / 36000) == 156  # EMU → mm
    assert round((section.page_height - section.top_margin - section.bottom_margin) / 36000) == 225
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert int(grid.get(qn("w:linePitch"))) * 22 == pytest.approx(Mm(225).twips, abs=22)
    # 28 characters of 3号 a line: 16 pt condensed so that 28 fit and 29 do not
    normal = doc.styles["Normal"]
    spacing = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    width = Mm(156).pt
    assert 28 * (16 + spacing) <= width < 29 * (16 + spacing)
    assert normal.font.size.pt == 16
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == FANGSONG
    texts = _texts(doc)
    # red issuing-authority mark, the number, the title, 主送, the body, the signature and date
    mark = _run_with(doc, "示范区人民政府督查室")
    assert str(mark.font.color.rgb) == "FF0000" and _east_asia(mark) == XIAOBIAOSONG  # type: ignore[attr-defined]
    assert produced.record.number == "督办〔2026〕1号" and "督办〔2026〕1号" in texts
    number_p = next(p for p in doc.paragraphs if p.text == "督办〔2026〕1号")
    bottom = number_p._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "FF0000"  # the red separator line
    title = _run_with(doc, "关于督办“推进垃圾分类”的通知")
    assert _east_asia(title) == XIAOBIAOSONG and title.font.size.pt == 22  # type: ignore[attr-defined]
    assert "区发展和改革局、区财政局：" in texts
    assert _east_asia(_run_with(doc, "一、办理事项")) == HEITI
    assert _east_asia(_run_with(doc, "完成全区垃圾分类设施建设")) == FANGSONG
    assert texts[-1] == "2026年3月3日" or "2026年3月3日" in texts
    # page numbers: — PAGE — at the outside corner, odd right / even left
    odd = section.footer.paragraphs[0]
    assert "— " in odd.text and " PAGE " in odd._p.xml and odd.alignment == 2  # RIGHT
    assert section.even_page_footer.paragraphs[0].alignment == 0  # LEFT
    assert doc.settings.element.find(qn("w:evenAndOddHeaders")) is not None


def test_numbers_per_kind_and_year_kept_and_recorded_once(district: District) -> None:
    d = district
    first, second = handed_out(d), handed_out(d)
    a = services.notice(d.alice, first, now=at("2026-03-03", 9))
    b = services.notice(d.alice, second, now=at("2026-03-03", 9))
    again = services.notice(d.olga, first, now=at("2026-03-05", 9))
    assert (a.record.number, b.record.number, again.record.number) == ("督办〔2026〕1号", "督办〔2026〕2号",
                                                                       "督办〔2026〕1号")
    assert (a.created, again.created) == (True, False)
    events = Event.objects.filter(kind="document_issued").order_by("seq")
    assert [e.data["number"] for e in events] == ["督办〔2026〕1号", "督办〔2026〕2号"]
    assert events[0].item_id == first.pk and events[0].rule_id == "S0-9" and events[0].actor_id == d.alice.pk
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None
    # another kind has its own sequence; a new year starts again at 1
    c = services.circular(d.alice, services.CircularData(
        key="2026Q1", title="2026年第一季度督查考核结果", intro="现将考核结果通报如下。",
        ranking=[services.RankRow("区发展和改革局", "政府部门", 96.5, 1)]), now=at("2026-03-31", 9))
    assert c.record.number == "督通〔2026〕1号"
    later = handed_out(d)
    assert services.notice(d.alice, later, now=at("2027-01-04", 9)).record.number == "督办〔2027〕1号"


def test_notice_before_hand_out_and_for_people_who_cannot_see_the_item_is_refused(district: District) -> None:
    d = district
    with pytest.raises(StateConflict, match="尚未交办"):
        services.notice(d.alice, registered(d))
    item = handed_out(d)
    with pytest.raises(PermissionDenied):
        services.notice(d.oscar, item)
    assert not IssuedDocument.objects.exists() and not Event.objects.filter(kind="document_issued").exists()


def test_S0_15_ticket_shows_its_colour_number_and_unit(district: District) -> None:
    d = district
    item = handed_out(d)
    urging.sweep(at("2026-03-04", 8))
    ticket = Ticket.objects.get(item=item, unit=d.lead)
    with pytest.raises(StateConflict, match="尚未签发"):
        services.ticket_document(d.alice, ticket)
    ticket = urging.do_sign_ticket(actor=d.olga, ticket=ticket, now=at("2026-03-04", 9))
    produced = services.ticket_document(d.ursula, ticket)
    doc = _open(produced.docx())
    assert produced.record.number == ticket.number == "督催〔2026〕1号"
    assert ticket.number in _texts(doc) and "区发展和改革局：" in _texts(doc)
    band = doc.tables[0].cell(0, 0)
    assert band.text == "蓝色催办单"
    assert band._tc.tcPr.find(qn("w:shd")).get(qn("w:fill")) == "0070C0"
    assert chinese_date(dt.date(2026, 3, 4)) in _texts(doc)
    assert Event.objects.get(kind="document_issued").data["ticket"] == ticket.pk


def test_S0_13_circular_carries_the_ranking_table(district: District) -> None:
    d = district
    ranking = [services.RankRow("区住房和城乡建设局", "政府部门", 98.0, 1),
               services.RankRow("区发展和改革局", "政府部门", 91.25, 2)]
    produced = services.circular(d.alice, services.CircularData(
        key="2026Q3", title="2026年第三季度督查考核结果", intro="根据考核办法，现将结果通报如下。",
        ranking=ranking, praise="区住房和城乡建设局按期办结全部事项。", criticism="区发展和改革局退回重办 2 次。"))
    doc = _open(produced.docx())
    table = doc.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["名次", "单位", "考核类别", "得分"], ["1", "区住房和城乡建设局", "政府部门", "98"],
        ["2", "区发展和改革局", "政府部门", "91.25"]]
    assert "关于2026年第三季度督查考核结果的通报" in _texts(doc)
    with pytest.raises(PermissionDenied):
        services.circular(d.ursula, services.CircularData(key="x", title="t", intro="i", ranking=ranking))


def test_S3a_accountability_decision_from_plain_data(district: District) -> None:
    d = district
    produced = services.accountability(d.alice, services.AccountabilityData(
        key="case:1", subject="区发展和改革局", facts="该局承办的事项逾期 2 个工作日以上未办结。",
        decision="予以通报批评，并由分管领导约谈主要负责人。", basis="《督查工作问责办法》第五条",
        rule_id="S3a-5(二)"))
    texts = _texts(_open(produced.docx()))
    assert produced.record.number == "督责〔2026〕1号" or produced.record.number.startswith("督责〔")
    assert "关于对区发展和改革局予以问责的决定" in texts
    assert any("S3a-5(二)" in t for t in texts) and "抄送：区纪委监委，区委组织部。" in texts
    assert Event.objects.get(kind="document_issued").rule_id == "S3a-5(二)"


def test_office_template_replaces_wording_and_header(district: District, tmp_path: Path) -> None:
    d = district
    folder = tmp_path / "documents" / d.jurisdiction.code
    folder.mkdir(parents=True)
    (folder / "wording.toml").write_text(
        '[office]\nmark = "示范区督查督办办公室文件"\nsignature = "示范区督查督办办公室"\n'
        '[numbers]\nnotice = "示督"\n', encoding="utf-8")
    with override_settings(DATA_DIR=tmp_path):
        produced = services.notice(d.alice, handed_out(d), now=at("2026-03-03", 9))
        texts = _texts(_open(produced.docx()))
        assert "示范区督查督办办公室文件" in texts and "示范区督查督办办公室" in texts
        assert produced.record.number == "示督〔2026〕1号"
        (folder / "wording.toml").write_text('[notice]\ntitle = "关于{no_such}的通知"\n', encoding="utf-8")
        with pytest.raises(TemplateError, match="no_such"):
            services.notice(d.alice, handed_out(d))


needs_lo = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdffonts") is None,
                              reason="LibreOffice (libreoffice-writer-nogui) or poppler-utils not installed; "
                                     "scripts/test installs them")


def _ppm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6"
    width, height = int(parts[1]), int(parts[2])
    return width, height, parts[4][-width * height * 3:]


@needs_lo
def test_pdf_embeds_cjk_fonts_and_the_header_is_red(district: District, tmp_path: Path) -> None:
    d = district
    with override_settings(DATA_DIR=tmp_path):
        pdf = docx_to_pdf(services.notice(d.alice, handed_out(d), now=at("2026-03-03", 9)).docx())
    target = tmp_path / "notice.pdf"
    target.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True, check=True).stdout
    lines = fonts.splitlines()[2:]
    assert lines and all(" yes " in line for line in lines)  # every font embedded
    assert any("CJK" in line and "Serif" in line for line in lines)  # 仿宋 / 小标宋 → Noto Serif CJK
    assert any("CJK" in line and "Sans" in line for line in lines)  # 黑体 → Noto Sans CJK
    assert not any(name in fonts for name in ("DejaVu", "Liberation", "Helvetica", "Times"))
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", str(target), str(tmp_path / "p")], check=True)
    width, height, pixels = _ppm(next(tmp_path.glob("p*.ppm")))

    def red_share(top_mm: float, bottom_mm: float) -> float:
        red = total = 0
        for y in range(int(height * top_mm / 297), int(height * bottom_mm / 297)):
            for x in range(width):
                r, g, b = pixels[(y * width + x) * 3:(y * width + x) * 3 + 3]
                if r < 240 or g < 240 or b < 240:  # an ink pixel
                    total += 1
                    red += r - max(g, b) > 50  # red dominates (anti-aliased edges are pink)
        return red / total if total else 0.0

    assert red_share(35, 60) > 0.8  # the issuing-authority mark: red ink
    assert red_share(100, 200) < 0.05  # the body: black ink


def test_pdf_without_libreoffice_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("duban.documents.pdf.soffice", lambda: None)
    with pytest.raises(PdfUnavailable, match="LibreOffice"):
        docx_to_pdf(b"not used")
