"""Files as offices really send them: Word's web pages and RTF under a .doc name, plain text named
.doc, a PDF and a .docx under each other's names, Windows-1258 and UTF-16 without a byte-order
mark. Each is read by what its bytes are; noise never becomes a document."""
from __future__ import annotations

import quopri
import random
import unicodedata

import pytest
from fpdf import FPDF
from typer.testing import CliRunner

from bot.channels.cli import app
from bot.core import config
from ingest.errors import UnsupportedFile
from ingest.limits import Limits
from ingest.model import Source
from ingest.parse import parse_file, parse_text
from ingest.readers import read_file, read_text

from .directives import FONT, directive_lines, write_docx, write_pdf
from .test_readers import _scanned_pdf

LINES = directive_lines()
DEADLINE_LINE = LINES[16]  # "- Tổ chức hội thi ... trước ngày 15/12/2024;"


def _assert_directive(path, method: str) -> None:
    """Read as `method`, and parsed into the directive the same lines in UTF-8 are, deadline included."""
    _, used = read_text(path)
    assert used == method
    document = parse_file(path)
    metadata = parse_text("\n".join(LINES), Source(name="ke_hoach.txt", sha256="", size=0, format="txt")).metadata
    assert (document.metadata.number, document.metadata.issuer, document.metadata.title) == (
        "45/KH-MNHM", metadata.issuer, metadata.title)
    assert any(task.deadline_start == "2024-12-15" for task in document.tasks)
    assert unicodedata.is_normalized("NFC", document.text)


def _cp1258(text: str) -> bytes:
    """Text as Vietnamese Windows stores it: letters with their circumflex, breve or horn, and the
    tone as a combining mark after them where the code page has no letter with both."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", char)
            tone = next(m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", marks.replace(tone, ""))
            out += (base + tone).encode("cp1258")
    return bytes(out)


# --- Word "web page" -----------------------------------------------------------------------

def _word_html(charset: str) -> str:
    """A directive as Word's "Save as web page" writes it: head with document properties and
    styles, the header as a table, paragraphs wrapped in the source, a script."""
    header = "".join(f"<p class=MsoNormal>{line}<o:p></o:p></p>" for line in LINES[:3])
    motto = "".join(f"<p class=MsoNormal>{line}</p>" for line in LINES[3:6])
    body = "\n".join(f"<p class=MsoNormal>{line.replace(' ', chr(10) + '  ', 1)}</p>" for line in LINES[6:])
    return f"""<html xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset={charset}">
<title>Kế hoạch năm học</title>
<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>Văn thư</o:Author></o:DocumentProperties></xml><![endif]-->
<style>p.MsoNormal {{font-family:"Times New Roman";}}</style>
</head>
<body lang=VI><div class=WordSection1>
<table class=MsoNormalTable border=0><tr><td>{header}</td><td>{motto}</td></tr></table>
{body}
<script>var note = "Không phải nội dung văn bản";</script>
</div></body></html>"""


def test_word_web_page_saved_as_doc_is_read_without_its_head_and_scripts(tmp_path):
    path = tmp_path / "ke_hoach.doc"
    path.write_bytes(_cp1258(_word_html("windows-1258")))

    text, method = read_text(path)

    assert method == "html"
    lines = text.splitlines()
    assert lines[0] == "\t".join(LINES[:6])  # the header table, each stacked line a cell
    assert lines[1:] == LINES[6:]
    assert "Văn thư" not in text and "font-family" not in text and "Không phải nội dung" not in text
    _assert_directive(path, "html")


def test_mhtml_saved_as_doc_reads_its_html_part(tmp_path):
    html = quopri.encodestring(_word_html("utf-8").encode()).decode("ascii")
    path = tmp_path / "ke_hoach.doc"
    path.write_text(
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/related; boundary="----=_NextPart_01DA"\n\n'
        "This document is a Single File Web Page, also known as a Web Archive file.\n\n"
        "------=_NextPart_01DA\n"
        "Content-Location: file:///C:/ke_hoach.htm\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        'Content-Type: text/html; charset="utf-8"\n\n'
        f"{html}\n"
        "------=_NextPart_01DA\n"
        "Content-Location: file:///C:/ke_hoach_files/image001.png\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-Type: image/png\n\n"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n"
        "------=_NextPart_01DA--\n",
        encoding="ascii",
    )

    text, method = read_text(path)

    assert method == "mhtml"
    assert text.splitlines()[1:] == LINES[6:]
    _assert_directive(path, "mhtml")


# --- RTF -----------------------------------------------------------------------------------

def _rtf_text(text: str) -> str:
    """Text as Word writes it in RTF with code page 1258: \\'hh where the code page has the
    letter, else \\uN followed by a one-character stand-in for readers without Unicode."""
    out = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif ord(char) < 128:
            out.append(char)
        else:
            try:
                out.append("".join(f"\\'{byte:02x}" for byte in char.encode("cp1258")))
            except UnicodeEncodeError:
                out.append(f"\\u{ord(char)}\\'3f")
    return "".join(out)


def test_rtf_saved_as_doc_is_read_with_its_table_and_without_its_header(tmp_path):
    def paragraph(line: str) -> str:
        if line == "1. Chăm sóc sức khỏe":  # numbered by Word: the number is list text
            return f"{{\\listtext\\pard 1.\\tab}}{_rtf_text(line[3:])}\\par\n"
        return f"\\pard\\plain {_rtf_text(line)}\\par\n"

    cells = "".join(f"\\pard\\intbl {_rtf_text(line)}\\cell\n" for line in LINES[:2])
    path = tmp_path / "ke_hoach.doc"
    path.write_text(
        "{\\rtf1\\ansi\\ansicpg1258\\deff0\\uc1{\\fonttbl{\\f0\\froman Times New Roman;}}"
        "{\\colortbl;\\red0\\green0\\blue0;}{\\*\\generator Microsoft Word 11.0;}"
        "{\\info{\\author V\\'e3n th\\'fd}}{\\header \\pard Trang \\chpgn\\par}\n"
        f"\\trowd\\cellx4000\\cellx9000{cells}\\row\n"
        + "".join(paragraph(line) for line in LINES[2:]) + "}",
        encoding="ascii",
    )

    text, method = read_text(path)

    assert method == "rtf"
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0] == "\t".join(LINES[:2]) + "\t"
    assert lines[1:] == LINES[2:]  # "1. Chăm sóc": the list number's tab is a space, not a table cell
    assert "Trang" not in text and "Văn thư" not in text
    _assert_directive(path, "rtf")


# --- names that lie ------------------------------------------------------------------------

def test_plain_text_named_doc_is_read(tmp_path):
    path = tmp_path / "ke_hoach.doc"
    path.write_text("\n".join(LINES), encoding="utf-8")

    _assert_directive(path, "text")


def test_pdf_named_docx_and_docx_named_pdf_are_read_by_their_bytes(tmp_path):
    pdf = write_pdf(tmp_path / "a.pdf").rename(tmp_path / "ke_hoach.docx")
    word = write_docx(tmp_path / "b.docx").rename(tmp_path / "ke_hoach.pdf")

    _assert_directive(pdf, "pdfplumber")
    _assert_directive(word, "docx")


# --- encodings -----------------------------------------------------------------------------

def test_windows_1258_text_with_combining_tones_is_read_as_nfc(tmp_path):
    path = tmp_path / "ke_hoach.txt"
    path.write_bytes(_cp1258("\r\n".join(LINES)))
    assert b"\xd2" in path.read_bytes()  # a combining tone mark really is there (U+0323, dot below)

    text, _ = read_text(path)

    assert text.splitlines() == LINES
    _assert_directive(path, "text")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_read(tmp_path, encoding):
    path = tmp_path / "ke_hoach.txt"
    path.write_bytes("\n".join(LINES).encode(encoding))

    text, _ = read_text(path)

    assert text.splitlines() == LINES
    _assert_directive(path, "text")


def test_markdown_scripts_and_styles_are_not_content(tmp_path):
    path = tmp_path / "ke_hoach.md"
    path.write_text(
        "\n\n".join(LINES[:8])
        + '\n\n<script type="text/javascript">\nwindow.dataLayer = [];\nvar thongBao = "Đăng ký nhận tin";\n</script>\n'
        + "<style>\n.noi-dung { color: red; }\n</style>\n\n"
        + "\n\n".join(LINES[8:]),
        encoding="utf-8",
    )

    text, _ = read_text(path)

    assert "dataLayer" not in text and "Đăng ký nhận tin" not in text and "color" not in text
    assert DEADLINE_LINE.lstrip("- ") in text


# --- noise ---------------------------------------------------------------------------------

def _noise(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


@pytest.mark.parametrize("kind", ["utf-16 bom", "utf-8 bom", "bytes", "cjk", "tcvn3", "english"])
def test_text_that_is_not_vietnamese_is_refused_with_a_reason(tmp_path, kind):
    contents = {
        # Noise after a byte-order mark decodes, as CJK and other scripts or as control characters.
        "utf-16 bom": b"\xff\xfe" + _noise(20000, 1).replace(b"\xd8", b"\x00").replace(b"\xdc", b"\x00"),
        "utf-8 bom": b"\xef\xbb\xbf" + _noise(20000, 2),
        "bytes": _noise(20000, 3),
        "cjk": ("中华人民共和国教育部关于学前教育的通知。" * 200).encode(),
        # TCVN3 (ABC) text, as it shows in a Western font: "Kế hoạch thực hiện nhiệm vụ năm học ..."
        "tcvn3": ("KÕ ho¹ch thùc hiÖn nhiÖm vô n¨m häc cña tr­êng mÇm non vµ c¸c líp.\n" * 50).encode("cp1252"),
        "english": ("This is the annual plan of the school, to be read by every teacher.\n" * 50).encode(),
    }
    path = tmp_path / "ke_hoach.txt"
    path.write_bytes(contents[kind])

    with pytest.raises(UnsupportedFile, match="tiếng Việt"):
        read_text(path)


def test_a_document_read_from_a_lying_name_that_is_noise_is_refused(tmp_path):
    path = tmp_path / "ke_hoach.doc"  # not OLE, not RTF, not HTML: read as text, which it is not
    path.write_bytes(_noise(5000, 4))

    with pytest.raises(UnsupportedFile, match="tiếng Việt"):
        read_text(path)


# --- a PDF with some scanned pages: OCR on those pages only ------------------------------------

SCANNED = [["PHỤ LỤC KÈM THEO KẾ HOẠCH", "Cân đo chấm biểu đồ đợt 2"],
           ["LỚP THAM GIA HỘI THI", "Lớp Chồi và lớp Lá"]]
# A signing stamp's words laid over a scan as text: too few to count as the page's text.
STAMP = "Ký bởi: Phòng Giáo dục và Đào tạo quận Cầu Giấy"


def _text_pdf_with_scans(tmp_path, scans: list[list[str]]):
    """The directive typed on two text pages, then one image-only page per entry of `scans` (its
    lines rendered and put back as a picture, as tests/test_readers.py's scans are)."""
    pictures = []
    for i, lines in enumerate(scans):
        folder = tmp_path / f"scan{i}"
        folder.mkdir()
        _scanned_pdf(folder, lines)
        pictures.append(folder / "page.png")
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    half = len(LINES) // 2
    for part in (LINES[:half], LINES[half:]):
        pdf.add_page()
        for line in part:
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    for picture in pictures:
        pdf.add_page()
        pdf.image(str(picture), x=0, y=0, w=210, h=297)
        pdf.set_xy(100, 150)
        pdf.set_font("DejaVu", size=6)
        pdf.cell(0, 4, STAMP)
        pdf.set_font("DejaVu", size=11)
    pdf.output(str(tmp_path / "ke-hoach-kem-phu-luc.pdf"))
    return tmp_path / "ke-hoach-kem-phu-luc.pdf"


def test_a_text_pdf_with_a_scanned_page_gets_ocr_on_that_page_only(tmp_path):
    reading = read_file(_text_pdf_with_scans(tmp_path, SCANNED[:1]))

    assert (reading.method, reading.pages_without_text, reading.ocr_pages) == ("pdfplumber+tesseract", 1, 1)
    lines = reading.text.splitlines()
    # The typed pages come from their text layer, exactly and in order; the scan after them.
    assert lines[:len(LINES)] == LINES
    ocr = " ".join(lines[len(LINES):])
    assert "PHỤ LỤC" in ocr and "biểu đồ" in ocr, ocr
    assert reading.text.count("45/KH-MNHM") == 1


def test_ocr_of_a_text_pdf_stops_at_the_page_limit_and_says_how_far_it_read(tmp_path):
    reading = read_file(_text_pdf_with_scans(tmp_path, SCANNED), Limits(ocr_pages=1))

    assert (reading.method, reading.pages_without_text, reading.ocr_pages) == ("pdfplumber+tesseract 1/2", 2, 1)
    assert "biểu đồ" in reading.text and "THAM GIA" not in reading.text and "Chồi" not in reading.text
    # The page OCR did not reach keeps what its text layer has: the stamp.
    assert reading.text.splitlines()[-1] == STAMP


@pytest.mark.model
def test_the_ingest_summary_says_when_ocr_stopped_at_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "_current", config.load(environ={"CONGVAN_MAX_OCR_PAGES": "1"}))
    path = _text_pdf_with_scans(tmp_path, SCANNED)

    result = CliRunner().invoke(app, ["ingest", str(path), "--home", str(tmp_path / "home")], terminal_width=400)

    assert result.exit_code == 0, result.output
    assert "OCR dừng ở giới hạn: đã đọc 1/2 trang quét, các trang sau không được nạp (giới hạn CONGVAN_MAX_OCR_PAGES=1)" in result.output
