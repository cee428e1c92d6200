"""read_text on real files of every accepted format, built here with the libraries that write them."""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from fpdf import FPDF, FontFace

from ingest.errors import CorruptFile, EmptyDocument, IngestError, UnsupportedFile
from ingest.metadata import read_metadata
from ingest.readers import read_text

FIXTURES = Path(__file__).parent / "fixtures"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian package fonts-dejavu-core
DEADLINE = "Cân đo chấm biểu đồ đợt 2 cho trẻ toàn trường, nộp kết quả về phòng trước ngày 20/12/2023"

W = nsdecls("w")
VML = 'xmlns:v="urn:schemas-microsoft-com:vml"'
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'


# --- .docx fixtures ------------------------------------------------------------------------

def _level(ilvl: int, number_format: str, text: str, extra: str = "") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{number_format}"/>'
        f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>'
    )


def _add_list(document, list_id: int, levels: list[str]) -> None:
    """An abstractNum and a w:num with the same id (numbering.xml wants all abstractNums first)."""
    numbering = document.part.numbering_part.element
    abstract = parse_xml(f'<w:abstractNum {W} w:abstractNumId="{list_id}">{"".join(levels)}</w:abstractNum>')
    num = parse_xml(f'<w:num {W} w:numId="{list_id}"><w:abstractNumId w:val="{list_id}"/></w:num>')
    first_num = numbering.find(num.tag)
    if first_num is None:
        numbering.append(abstract)
    else:
        first_num.addprevious(abstract)
    numbering.append(num)


def _numbered(document, text: str, list_id: int, ilvl: int) -> None:
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{list_id}"/></w:numPr>')
    )


def _directive_docx(path: Path) -> Path:
    """A directive whose headings are numbered by Word, not typed, with a table mid-text.

    tests/fixtures/directive.doc is this document saved by LibreOffice 7.4 as Word 97-2003
    (`soffice --headless --convert-to doc directive.docx`).
    """
    document = docx.Document()
    symbol_font = '<w:rPr><w:rFonts w:ascii="Symbol" w:hAnsi="Symbol" w:hint="default"/></w:rPr>'
    _add_list(document, 90, [
        _level(0, "upperRoman", "%1."),
        _level(1, "decimal", "%2."),
        _level(2, "lowerLetter", "%3)"),
        _level(3, "bullet", "\uf0b7", symbol_font),
        _level(4, "bullet", "+"),
    ])
    _add_list(document, 91, [_level(0, "decimal", "%1."), _level(1, "decimal", "%1.%2.")])
    # A paragraph style carrying the numbering, as Word's numbered heading styles do.
    _add_list(document, 92, [_level(0, "upperLetter", "%1.")])
    document.styles.element.append(parse_xml(
        f'<w:style {W} w:type="paragraph" w:styleId="MucLon"><w:name w:val="Muc lon"/>'
        '<w:basedOn w:val="Normal"/><w:pPr><w:numPr><w:numId w:val="92"/></w:numPr></w:pPr></w:style>'
    ))

    document.add_paragraph("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO")
    document.add_paragraph("Phòng Giáo dục và Đào tạo hướng dẫn như sau:")
    _numbered(document, "MỤC ĐÍCH, YÊU CẦU", 90, 0)
    _numbered(document, "Mục đích", 90, 1)
    _numbered(document, "Chỉ tiêu", 90, 2)
    _numbered(document, "Giải pháp", 90, 2)
    _numbered(document, "Cân đo chấm biểu đồ đợt 2", 90, 3)
    _numbered(document, "Nộp báo cáo", 90, 4)
    _numbered(document, "NHIỆM VỤ", 90, 0)
    _numbered(document, "Chăm sóc", 90, 1)
    _numbered(document, "Nuôi dưỡng", 91, 0)
    _numbered(document, "Chất lượng bữa ăn", 91, 1)
    _numbered(document, "Vệ sinh", 91, 1)
    _numbered(document, "Giáo dục", 91, 0)
    _numbered(document, "Hoạt động", 91, 1)
    document.add_paragraph("Kế hoạch tháng", style="Muc lon")
    document.add_paragraph("Lịch công tác", style="Muc lon")

    table = document.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    table.cell(0, 0).text = "Tháng/ năm"
    table.cell(0, 1).text = "Nhiệm vụ trọng tâm"
    table.cell(1, 0).text = "12/2023"
    table.cell(1, 1).text = DEADLINE
    table.cell(1, 1).add_paragraph("Kiểm tra nội bộ")
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(2, 1).text = "Nộp báo cáo học kỳ I"

    line_break = document.add_paragraph("Nơi nhận:")
    line_break.add_run().add_break()
    line_break.add_run("- Như trên;")
    document.add_paragraph("\uf0b7 Lưu: VT.")
    document.save(path)
    return path


def test_docx_keeps_vietnamese_text_and_recovers_word_numbering(tmp_path):
    text, method = read_text(_directive_docx(tmp_path / "directive.docx"))

    assert method == "docx"
    assert text.splitlines()[:17] == [
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "Phòng Giáo dục và Đào tạo hướng dẫn như sau:",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích",
        "a) Chỉ tiêu",
        "b) Giải pháp",
        "- Cân đo chấm biểu đồ đợt 2",
        "+ Nộp báo cáo",
        "II. NHIỆM VỤ",
        "1. Chăm sóc",
        "1. Nuôi dưỡng",
        "1.1. Chất lượng bữa ăn",
        "1.2. Vệ sinh",
        "2. Giáo dục",
        "2.1. Hoạt động",
        "A. Kế hoạch tháng",
        "B. Lịch công tác",
    ]


def test_docx_numbering_shared_restarted_and_through_a_list_style(tmp_path):
    """Counted as Word (and LibreOffice) count: checked against LibreOffice's text export."""
    document = docx.Document()
    _add_list(document, 91, [_level(0, "decimal", "%1.")])
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(f'<w:num {W} w:numId="96"><w:abstractNumId w:val="91"/></w:num>'))
    numbering.append(parse_xml(
        f'<w:num {W} w:numId="97"><w:abstractNumId w:val="91"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
    ))
    # A list style: its abstractNum only links to the style, whose own list holds the levels.
    document.styles.element.append(parse_xml(
        f'<w:style {W} w:type="numbering" w:styleId="DanhSach"><w:name w:val="Danh sach"/>'
        '<w:pPr><w:numPr><w:numId w:val="93"/></w:numPr></w:pPr></w:style>'
    ))
    _add_list(document, 93, [_level(0, "lowerLetter", "%1)")])
    _add_list(document, 94, ['<w:numStyleLink w:val="DanhSach"/>'])
    for text, list_id in [("Một", 91), ("Hai", 91), ("Ba", 96), ("Lại một", 97), ("Lại hai", 97),
                          ("Mục a", 94), ("Mục b", 94)]:
        _numbered(document, text, list_id, 0)
    document.save(tmp_path / "lists.docx")

    text, _ = read_text(tmp_path / "lists.docx")

    assert text.splitlines() == ["1. Một", "2. Hai", "3. Ba", "1. Lại một", "2. Lại hai", "a) Mục a", "b) Mục b"]


def test_docx_table_rows_come_tab_joined_between_the_paragraphs_around_them(tmp_path):
    text, _ = read_text(_directive_docx(tmp_path / "directive.docx"))

    assert text.splitlines()[16:] == [
        "B. Lịch công tác",
        "Tháng/ năm\tNhiệm vụ trọng tâm",
        f"12/2023\t{DEADLINE} Kiểm tra nội bộ",
        "\tNộp báo cáo học kỳ I",  # the merged month cell is empty on its continuation row
        "Nơi nhận:",
        "- Như trên;",
        " Lưu: VT.",  # the Symbol-font bullet is gone, the rest is left for normalisation
    ]


def test_docx_header_table_keeps_each_header_line_a_cell_of_its_own(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).paragraphs[0].text = "UBND XÃ SƠN THUỶ"
    table.cell(0, 0).add_paragraph("TRƯỜNG MN NINH LAI")
    table.cell(0, 1).paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").add_break()
    table.cell(0, 1).paragraphs[0].add_run("Độc lập - Tự do - Hạnh phúc")
    table.cell(1, 0).paragraphs[0].text = "Số: 36/KH-Ntr"
    table.cell(1, 1).paragraphs[0].text = "Ninh Lai, ngày 15 tháng 9 năm 2025"
    body = document.add_table(rows=1, cols=2)  # an ordinary table: a cell stays one cell
    body.cell(0, 0).paragraphs[0].text = "1"
    body.cell(0, 1).paragraphs[0].text = "Quét sân"
    body.cell(0, 1).add_paragraph("Chăm sóc bồn hoa")
    document.save(tmp_path / "header.docx")

    text, _ = read_text(tmp_path / "header.docx")

    assert text.splitlines() == [
        "UBND XÃ SƠN THUỶ\tTRƯỜNG MN NINH LAI\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\tĐộc lập - Tự do - Hạnh phúc",
        "Số: 36/KH-Ntr\tNinh Lai, ngày 15 tháng 9 năm 2025",
        "1\tQuét sân Chăm sóc bồn hoa",
    ]


def test_docx_reads_text_boxes_once_and_tracked_changes_as_accepted(tmp_path):
    document = docx.Document()
    document.add_paragraph("UBND HUYỆN AN LÃO")
    box = '<w:txbxContent><w:p><w:r><w:t>Số: 88/KH-MNSS</w:t></w:r></w:p></w:txbxContent>'
    anchor = document.add_paragraph()
    anchor._p.append(parse_xml(
        f'<w:r {W} {VML} {MC}><mc:AlternateContent>'
        f'<mc:Choice Requires="v"><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>'
        '</mc:AlternateContent></w:r>'
    ))
    revised = document.add_paragraph("Hạn nộp: ")
    revised._p.append(parse_xml(
        f'<w:ins {W} w:id="1" w:author="a"><w:r><w:t>20/12/2023</w:t></w:r></w:ins>'
    ))
    revised._p.append(parse_xml(
        f'<w:del {W} w:id="2" w:author="a"><w:r><w:delText>15/12/2023</w:delText></w:r></w:del>'
    ))
    document.save(tmp_path / "boxes.docx")

    text, _ = read_text(tmp_path / "boxes.docx")

    assert text.splitlines() == ["UBND HUYỆN AN LÃO", "", "Số: 88/KH-MNSS", "Hạn nộp: 20/12/2023"]


def test_docx_without_numbering_part_reads(tmp_path):
    path = _minimal_docx(tmp_path / "bare.docx", with_document=True)

    assert read_text(path) == ("Trường Mầm non Sao Sáng", "docx")


def _minimal_docx(path: Path, with_document: bool) -> Path:
    """Just the parts Word needs: no styles, no numbering."""
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
        ))
        archive.writestr("_rels/.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ))
        if with_document:
            archive.writestr("word/document.xml", (
                f'<w:document {W}><w:body><w:p><w:r><w:t>Trường Mầm non Sao Sáng</w:t></w:r></w:p>'
                '</w:body></w:document>'
            ))
    return path


# --- .doc ----------------------------------------------------------------------------------

def test_doc_read_by_antiword_keeps_vietnamese_and_table_rows():
    text, method = read_text(FIXTURES / "directive.doc")

    assert method == "antiword"
    lines = text.splitlines()
    assert lines[:2] == ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Phòng Giáo dục và Đào tạo hướng dẫn như sau:"]
    # antiword does not render Word's list numbers: the headings come without their labels.
    assert lines[2:4] == ["MỤC ĐÍCH, YÊU CẦU", "Mục đích"]
    # The long cell is wrapped in antiword's text layout; rows must still be whole.
    table_start = lines.index("Tháng/ năm\tNhiệm vụ trọng tâm")
    assert lines[table_start - 1] == "Lịch công tác"
    assert lines[table_start + 1:table_start + 5] == [
        f"12/2023\t{DEADLINE} Kiểm tra nội bộ",
        "\tNộp báo cáo học kỳ I",
        "Nơi nhận:",
        "- Như trên;",
    ]
    assert "\uf0b7" not in text


def test_doc_saved_under_docx_name_is_read_by_its_content(tmp_path):
    renamed = tmp_path / "directive.docx"
    shutil.copy(FIXTURES / "directive.doc", renamed)

    text, method = read_text(renamed)

    assert method == "antiword"
    assert "Phòng Giáo dục và Đào tạo" in text


def test_doc_antiword_cannot_read_falls_back_to_catdoc_or_fails_cleanly():
    # LibreOffice 7.4 saved this one from a python-docx document holding "Phòng Giáo dục và Đào
    # tạo", a small PNG and a deadline line; antiword stops at "text stream too small".
    path = FIXTURES / "picture.doc"
    if shutil.which("catdoc"):
        text, method = read_text(path)
        assert method == "catdoc"
        assert "Phòng Giáo dục và Đào tạo" in text
    else:
        with pytest.raises(CorruptFile):
            read_text(path)


def test_doc_without_word_tools_says_which_package_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(IngestError, match="antiword"):
        read_text(FIXTURES / "directive.doc")


def test_corrupt_doc_raises_corrupt_file(tmp_path):
    path = tmp_path / "hong.doc"
    # An OLE container header followed by nothing Word would recognise.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)

    with pytest.raises(CorruptFile):
        read_text(path)


# --- .pdf ----------------------------------------------------------------------------------

def _pdf(font_size: int = 12) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=font_size)
    pdf.add_page()
    return pdf


def test_pdf_text_and_table_in_reading_order_without_duplicates(tmp_path):
    pdf = _pdf()
    for line in ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Phòng Giáo dục và Đào tạo hướng dẫn như sau:"]:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(30, 120), first_row_as_headings=False) as table:
        for cells in [("Tháng/ năm", "Nhiệm vụ trọng tâm"), ("12/2023", DEADLINE), ("", "Nộp báo cáo học kỳ I")]:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(4)
    pdf.multi_cell(0, 8, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.multi_cell(0, 8, "Lưu: VT.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(tmp_path / "directive.pdf")

    text, method = read_text(tmp_path / "directive.pdf")

    assert method == "pdfplumber"
    assert text.splitlines() == [
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "Phòng Giáo dục và Đào tạo hướng dẫn như sau:",
        "Tháng/ năm\tNhiệm vụ trọng tâm",
        f"12/2023\t{DEADLINE}",  # wrapped over two lines in its cell, one cell here
        "\tNộp báo cáo học kỳ I",
        "Nơi nhận:",
        "Lưu: VT.",
    ]


def test_pdf_drops_page_numbers_and_a_table_header_repeated_on_the_next_page(tmp_path):
    class Numbered(FPDF):
        def header(self):
            if self.page_no() > 1:
                self.cell(0, 6, str(self.page_no()), align="C", new_x="LMARGIN", new_y="NEXT")

    pdf = Numbered(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Phụ lục: lịch thi", new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(20, 130), headings_style=FontFace(), repeat_headings=1) as table:
        for number in range(40):
            row = table.row()
            for cell in ("TT", "Nội dung") if number == 0 else (str(number), f"Việc số {number}"):
                row.cell(cell)
    pdf.output(tmp_path / "table.pdf")

    lines = read_text(tmp_path / "table.pdf")[0].splitlines()

    assert lines.count("TT\tNội dung") == 1
    assert [line for line in lines if "\t" not in line] == ["Phụ lục: lịch thi"]
    assert lines[-1] == "39\tViệc số 39"


def _justified(pdf: FPDF, paragraphs: list[list[str]], indent: float = 12) -> None:
    """Paragraphs as a word processor prints them: the first line indented, every line but the
    last spread to the right margin, one word at a time so the line breaks are the ones given."""
    left, right, y = pdf.l_margin, pdf.w - pdf.r_margin, pdf.get_y()
    for lines in paragraphs:
        for i, line in enumerate(lines):
            if y > pdf.h - 30:
                pdf.add_page()
                y = pdf.get_y()
            x, words = left + (indent if i == 0 else 0), line.split()
            widths = sum(pdf.get_string_width(word) for word in words)
            last = i == len(lines) - 1
            gap = pdf.get_string_width(" ") if last else (right - x - widths) / (len(words) - 1)
            for word in words:
                pdf.text(x, y, word)
                x += pdf.get_string_width(word) + gap
            y += 7


def test_pdf_lines_broken_by_the_page_width_are_one_paragraph_even_before_a_capital(tmp_path):
    pdf = _pdf()
    _justified(pdf, [
        ["UBND HUYỆN AN LÃO PHÒNG GIÁO DỤC VÀ ĐÀO TẠO CỘNG HÒA XÃ HỘI CHỦ NGHĨA"],
        ["Các trường mầm non gửi danh sách giáo viên tham dự hội thi về",
         "Phòng Giáo dục và Đào tạo qua hộp thư điện tử của Công văn số 12/PGDĐT-",
         "MN trước ngày 15/12/2024."],
        ["Mỗi trường cử 03 giáo viên gồm: giáo viên dạy giỏi cấp trường, tổ",
         "trưởng chuyên môn và một giáo viên trẻ."],
        ["Địa điểm: Hội trường Ủy ban nhân dân huyện."],
        ["Thời gian: Buổi sáng ngày 20/12/2024."],
    ])
    pdf.set_y(pdf.h - 37)
    _justified(pdf, [["Trong quá trình thực hiện, nếu có vướng mắc, các trường báo cáo về",
                      "Phòng Giáo dục và Đào tạo (bộ phận Mầm non) để được hướng dẫn."]])
    pdf.output(tmp_path / "wrapped.pdf")

    lines = read_text(tmp_path / "wrapped.pdf")[0].splitlines()

    assert lines == [
        "UBND HUYỆN AN LÃO PHÒNG GIÁO DỤC VÀ ĐÀO TẠO CỘNG HÒA XÃ HỘI CHỦ NGHĨA",  # a header line stays one
        "Các trường mầm non gửi danh sách giáo viên tham dự hội thi về Phòng Giáo dục và Đào tạo qua hộp thư "
        "điện tử của Công văn số 12/PGDĐT-MN trước ngày 15/12/2024.",
        "Mỗi trường cử 03 giáo viên gồm: giáo viên dạy giỏi cấp trường, tổ trưởng chuyên môn và một giáo viên trẻ.",
        "Địa điểm: Hội trường Ủy ban nhân dân huyện.",  # short lines that end paragraphs stay apart
        "Thời gian: Buổi sáng ngày 20/12/2024.",
        "Trong quá trình thực hiện, nếu có vướng mắc, các trường báo cáo về Phòng Giáo dục và Đào tạo "
        "(bộ phận Mầm non) để được hướng dẫn.",  # across the page break
    ]


def test_pdf_table_row_drawn_in_strips_is_one_row_and_a_sub_row_with_its_own_date_keeps_its_cells(tmp_path):
    pdf = _pdf(font_size=11)
    with pdf.table(col_widths=(12, 90, 40, 48), first_row_as_headings=False) as table:
        for cells in [("TT", "Nội dung", "Chủ trì", "Thời gian"),
                      ("1", "Nộp danh sách giáo viên dự thi.", "Các trường", "Trước ngày 10/11/2024")]:
            row = table.row()
            for cell in cells:
                row.cell(cell)
        # Word's row of two paragraphs, exported with a rule between them: number and date span both.
        row = table.row()
        row.cell("2", rowspan=2)
        row.cell("Thu nhận hồ sơ và lập danh")
        row.cell("Các")
        row.cell("Từ ngày 16/11 đến hết ngày 25/11/2024", rowspan=2)
        row = table.row()
        row.cell("sách dự thi.")
        row.cell("trường")
        # Two tasks under one number and one lead, each with its own date.
        row = table.row()
        row.cell("3", rowspan=2)
        row.cell("Chấm thi vòng 1")
        row.cell("Ban giám khảo", rowspan=2)
        row.cell("Ngày 01/12/2024")
        row = table.row()
        row.cell("Chấm thi vòng 2")
        row.cell("Ngày 08/12/2024")
    pdf.output(tmp_path / "strips.pdf")

    assert read_text(tmp_path / "strips.pdf")[0].splitlines() == [
        "TT\tNội dung\tChủ trì\tThời gian",
        "1\tNộp danh sách giáo viên dự thi.\tCác trường\tTrước ngày 10/11/2024",
        "2\tThu nhận hồ sơ và lập danh sách dự thi.\tCác trường\tTừ ngày 16/11 đến hết ngày 25/11/2024",
        "3\tChấm thi vòng 1\tBan giám khảo\tNgày 01/12/2024",
        "\tChấm thi vòng 2\tBan giám khảo\tNgày 08/12/2024",  # the merged lead said again, as Word shows it
    ]



def _ruled_row(pdf: FPDF, y: float, cells: list[list[str]], height: float) -> None:
    """A table row drawn as Word exports it: a ruled box per cell, its lines of text inside."""
    for x, width, lines in zip((15, 27, 117, 152), (12, 90, 35, 45), cells):
        pdf.rect(x, y, width, height)
        for i, line in enumerate(lines):
            pdf.text(x + 1.5, y + 5 + i * 5, line)



def _table_over_a_page_break(path, last_on_page_1: list[list[str]], page_2: list[list[list[str]]], repeated_header: bool):
    """A schedule whose second row is the last on page 1, drawn down to the page's bottom."""
    pdf = _pdf(font_size=10)
    pdf.set_auto_page_break(False)
    header = [["TT"], ["Nội dung công tác"], ["Chủ trì"], ["Thời gian"]]
    y = 20.0
    for i in range(30):
        pdf.text(15, y, f"Đoạn {i + 1} của kế hoạch tổ chức hội thi giáo viên dạy giỏi cấp huyện.")
        y += 7
    _ruled_row(pdf, y, header, 8)
    _ruled_row(pdf, y + 8, [["1"], ["Nộp danh sách giáo viên dự thi."], ["Các trường"], ["Trước ngày 10/11/2024"]], 8)
    _ruled_row(pdf, y + 16, last_on_page_1, 287 - y - 16)
    pdf.add_page()
    y = 15.0
    for cells in [header] * repeated_header + page_2:
        _ruled_row(pdf, y, cells, 8)
        y += 8
    pdf.output(path)
    return read_text(path)[0].splitlines()[-3:]


@pytest.mark.parametrize("repeated_header", [False, True])
def test_pdf_table_row_cut_by_a_page_break_is_one_row(tmp_path, repeated_header):
    rows = _table_over_a_page_break(
        tmp_path / "split.pdf",
        [["2"], ["Thu nhận hồ sơ, minh chứng và lập", "danh sách giáo viên dự thi của"], ["Các trường"], ["Từ ngày 16/11", "đến hết ngày"]],
        [[[""], ["các trường trong huyện."], [""], ["25/11/2024"]],
         [["3"], ["Công bố kết quả."], ["Ban tổ chức"], ["Ngày 16/12/2024"]]], repeated_header)
    assert rows == [
        "1\tNộp danh sách giáo viên dự thi.\tCác trường\tTrước ngày 10/11/2024",
        "2\tThu nhận hồ sơ, minh chứng và lập danh sách giáo viên dự thi của các trường trong huyện.\tCác trường"
        "\tTừ ngày 16/11 đến hết ngày 25/11/2024",
        "3\tCông bố kết quả.\tBan tổ chức\tNgày 16/12/2024",
    ]


def test_pdf_task_of_its_own_at_the_top_of_a_page_stays_a_row(tmp_path):
    rows = _table_over_a_page_break(
        tmp_path / "own.pdf",
        [["2"], ["Chấm hồ sơ, gồm:", "- Chấm hồ sơ vòng 1."], ["Ban giám khảo"], ["Ngày 20/11/2024"]],
        [[[""], ["- Chấm hồ sơ vòng 2."], ["Ban giám khảo"], ["Ngày 01/12/2024"]]], False)
    assert rows[-2:] == ["2\tChấm hồ sơ, gồm: - Chấm hồ sơ vòng 1.\tBan giám khảo\tNgày 20/11/2024",
                         "\t- Chấm hồ sơ vòng 2.\tBan giám khảo\tNgày 01/12/2024"]

# --- .md -----------------------------------------------------------------------------------

CRAWL = """\
UBND THÀNH PHỐ HÀ
NỘI
**SỞ GIÁO DỤC VÀ ĐÀO TẠO**
-------
|
**CỘNG HÒA XÃ HỘI
CHỦ NGHĨA VIỆT NAM**
Độc lập - Tự do - Hạnh phúc
|
|
Số: 5095/SGDĐT-CTTTHSSV
*V/v tăng cường các biện pháp cấp bách về
kiểm soát ô nhiễm môi trường không khí*
|
*Hà Nội, ngày 03
tháng 12 năm 2025*
|
Thực hiện Công văn số
6356/UBND-NNMT ngày 01/12/2025 của UBND Thành phố về việc tăng cường các biện
pháp cấp bách *(Văn bản đính kèm)*;
Nhằm đảm bảo sức khỏe cho học
sinh, các đơn vị thực hiện như sau:
- Hạn
chế các hoạt động ngoài trời khi **(VN_AQI ≥
301)**.
**Điều 2.** Danh mục các khoản
thu và mức thu dịch vụ
|
**STT**
|
**Cấp học**
|
**Mức thu**
|
|
1
|
Giáo dục mầm non
|
80
|
| Nơi nhận: - Như trên. | KT. GIÁM ĐỐC ------- |
|---|---|
"""


def test_markdown_crawl_joins_wrapped_lines_and_reads_cells(tmp_path):
    path = tmp_path / "crawl.md"
    path.write_text(CRAWL, encoding="utf-8")

    text, method = read_text(path)

    assert method == "text"
    assert text.splitlines() == [
        "UBND THÀNH PHỐ HÀ NỘI",
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 5095/SGDĐT-CTTTHSSV",
        "V/v tăng cường các biện pháp cấp bách về kiểm soát ô nhiễm môi trường không khí",
        "Hà Nội, ngày 03 tháng 12 năm 2025",
        "Thực hiện Công văn số 6356/UBND-NNMT ngày 01/12/2025 của UBND Thành phố về việc tăng cường"
        " các biện pháp cấp bách (Văn bản đính kèm);",
        "Nhằm đảm bảo sức khỏe cho học sinh, các đơn vị thực hiện như sau:",
        "- Hạn chế các hoạt động ngoài trời khi (VN_AQI ≥ 301).",
        "Điều 2. Danh mục các khoản thu và mức thu dịch vụ",  # a bold label does not end its line's paragraph
        "STT\tCấp học\tMức thu",  # the header row, apart from the text the crawl put in the row's first cell
        "1\tGiáo dục mầm non\t80",
        "Nơi nhận: - Như trên.\tKT. GIÁM ĐỐC",
    ]


PAGE = """\
---
layout: van-ban
title: "Nghị định 66/2026/NĐ-CP"
tags:
  - giao-duc
---

# CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
## Độc lập - Tự do - Hạnh phúc

**Số: 66/2026/NĐ-CP**

## Điều 1. Phạm vi điều chỉnh
Nghị định này quy định chi tiết một số điều của Luật Giáo dục.
"""


def test_a_pages_front_matter_is_not_the_directive_but_for_its_title(tmp_path):
    # A static site's page starts with its settings between "---" lines; their title names the
    # directive.
    path = tmp_path / "page.md"
    path.write_text(PAGE, encoding="utf-8")
    text, _ = read_text(path)
    assert text.splitlines()[:4] == ["Nghị định 66/2026/NĐ-CP", "# CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                     "## Độc lập - Tự do - Hạnh phúc", "Số: 66/2026/NĐ-CP"]
    assert "layout" not in text and "giao-duc" not in text
    assert read_metadata(text).number == "66/2026/NĐ-CP"


def test_markdown_crawl_keeps_the_last_row_of_a_table_that_another_table_follows(tmp_path):
    # Cells end with a lone "|", rows with two; the crawl closes a table with one "|", so its
    # last row runs on into the text after it and into the next table.
    path = tmp_path / "two_tables.md"
    path.write_text("1. Mức thu như sau:\n\nĐơn vị tính: nghìn đồng.\n"
                    "|\nSTT\n|\nCấp học\n|\nMức thu\n|\n|\n1\n|\nMầm non\n|\n80\n|\n|\n2\n|\nTrung học phổ thông\n|\n130\n|\n"
                    "Ghi chú: mức thu tính theo tháng.\n\n2. Mức hỗ trợ như sau:\n"
                    "|\nSTT\n|\nĐối tượng\n|\n|\n1\n|\nTrẻ mồ côi\n|\n", encoding="utf-8")

    assert read_text(path)[0].splitlines() == [
        "1. Mức thu như sau:", "Đơn vị tính: nghìn đồng.", "STT\tCấp học\tMức thu", "1\tMầm non\t80",
        "2\tTrung học phổ thông\t130",  # was three lines, the fee then lost as a stray number
        "Ghi chú: mức thu tính theo tháng.", "2. Mức hỗ trợ như sau:", "STT\tĐối tượng", "1\tTrẻ mồ côi"]


def _scanned_pdf(tmp_path: Path, lines: list[str]) -> Path:
    """An image-only PDF: a rendered page put back into a PDF as a picture."""
    page = _pdf(font_size=26)
    for line in lines:
        page.multi_cell(0, 16, line, new_x="LMARGIN", new_y="NEXT")
    page.output(tmp_path / "page.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", tmp_path / "page.pdf", tmp_path / "page"], check=True
    )
    scan = FPDF(format="A4")
    scan.add_page()
    scan.image(str(tmp_path / "page.png"), x=0, y=0, w=210, h=297)
    scan.output(tmp_path / "scan.pdf")
    return tmp_path / "scan.pdf"


def test_scanned_pdf_is_ocr_read(tmp_path):
    path = _scanned_pdf(tmp_path, ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Cân đo chấm biểu đồ đợt 2", "trước ngày 20/12/2023"])

    text, method = read_text(path)

    assert method == "tesseract"
    words = text.split()
    # OCR is not exact: ask for most of the words, diacritics included.
    expected = "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO Cân đo chấm biểu đồ đợt 2 trước ngày 20/12/2023".split()
    assert sum(word in words for word in expected) >= len(expected) - 2, text


def test_blank_scan_raises_empty_document(tmp_path):
    with pytest.raises(EmptyDocument, match="OCR"):
        read_text(_scanned_pdf(tmp_path, []))


def test_scan_without_tesseract_says_which_package_is_missing(monkeypatch, tmp_path):
    path = _scanned_pdf(tmp_path, ["Phòng Giáo dục"])
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "pdftoppm").symlink_to(shutil.which("pdftoppm"))
    monkeypatch.setenv("PATH", str(tools))

    with pytest.raises(IngestError, match="tesseract-ocr"):
        read_text(path)


def test_password_protected_pdf_is_refused(tmp_path):
    pdf = _pdf()
    pdf.multi_cell(0, 8, "Phòng Giáo dục và Đào tạo", new_x="LMARGIN", new_y="NEXT")
    pdf.set_encryption(owner_password="chu", user_password="khach")
    pdf.output(tmp_path / "khoa.pdf")

    with pytest.raises(UnsupportedFile, match="mật khẩu"):
        read_text(tmp_path / "khoa.pdf")


@pytest.mark.parametrize("content", [b"%PDF-1.4\nkhong phai pdf\n", b"PK\x03\x04 zip mao danh"])
def test_corrupt_pdf_raises_corrupt_file(tmp_path, content):
    path = tmp_path / "hong.pdf"
    path.write_bytes(content)

    with pytest.raises(CorruptFile):
        read_text(path)


# --- .txt / .md ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "encoding"),
    [("a.txt", "utf-8"), ("b.md", "utf-8-sig"), ("c.txt", "utf-16")],
)
def test_plain_text_in_utf8_or_with_a_bom(tmp_path, name, encoding):
    path = tmp_path / name
    path.write_bytes(f"Phòng Giáo dục và Đào tạo\r\n{DEADLINE}\r\n".encode(encoding))

    text, method = read_text(path)

    assert (text.rstrip("\n"), method) == (f"Phòng Giáo dục và Đào tạo\n{DEADLINE}", "text")


def test_plain_text_no_encoding_reads_is_refused(tmp_path):
    path = tmp_path / "cu.txt"
    path.write_bytes("Trường Mầm non".encode() + b"\x00\x01\x02")

    with pytest.raises(UnsupportedFile, match="UTF-8"):
        read_text(path)


# --- files that are not directives --------------------------------------------------------

@pytest.mark.parametrize("name", ["bang.xlsx", "anh.jpg", "KEHOACH"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"x")

    with pytest.raises(UnsupportedFile, match="chưa được hỗ trợ"):
        read_text(path)


def test_word_lock_file_is_not_a_document(tmp_path):
    path = tmp_path / "~$ke hoach.docx"
    path.write_bytes(b"\x0bnguoi dung" + bytes(150))

    with pytest.raises(UnsupportedFile, match="tệp khóa tạm của Word"):
        read_text(path)


@pytest.mark.parametrize("name", ["a.docx", "b.doc", "c.pdf", "d.txt", "e.md"])
def test_zero_byte_file(tmp_path, name):
    path = tmp_path / name
    path.touch()

    with pytest.raises(EmptyDocument, match=r"Tệp rỗng \(0 byte\)"):
        read_text(path)


def test_whitespace_only_text_is_empty(tmp_path):
    (tmp_path / "trang.txt").write_text(" \n\t\n", encoding="utf-8")
    blank = docx.Document()
    blank.add_paragraph("   ")
    blank.save(tmp_path / "trang.docx")

    for name in ("trang.txt", "trang.docx"):
        with pytest.raises(EmptyDocument):
            read_text(tmp_path / name)


@pytest.mark.parametrize("kind", ["not a zip", "cut-off zip", "zip without word/document.xml"])
def test_corrupt_docx(tmp_path, kind):
    path = tmp_path / "hong.docx"
    if kind == "not a zip":
        path.write_bytes("Phòng Giáo dục".encode())
    elif kind == "cut-off zip":
        _directive_docx(path)
        path.write_bytes(path.read_bytes()[:2000])
    else:
        _minimal_docx(path, with_document=False)

    with pytest.raises(CorruptFile, match=r"Tệp \.docx bị hỏng hoặc không đúng định dạng"):
        read_text(path)
