"""Bounded work: files too big, too long, too compressed or too many pages to read whole are
refused (or read in part) with a Vietnamese reason, and a refused file changes nothing."""
from __future__ import annotations

import hashlib
import zipfile

import docx
import pytest
from fpdf import FPDF
from typer.testing import CliRunner

from bot.core.api import Congvan
from bot.channels.cli import app
from ingest import parse, readers
from ingest.errors import EmptyDocument, TooLarge
from ingest.parse import parse_file
from ingest.readers import read_text

from .directives import directive_lines, write_directive, write_txt
from .test_readers import _scanned_pdf

MB = 1024 * 1024


def _sparse(path, size: int):
    """A file of `size` bytes that takes no disk space: the size check must refuse it unread."""
    with path.open("wb") as file:
        file.truncate(size)
    return path


def _zip_bomb(path):
    """A .docx whose document.xml unpacks to more than any real one; a few hundred KB on disk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(readers.MAX_DOCX_XML_BYTES // MB + 1):
                member.write(b" " * MB)
    return path


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    with pytest.raises(TooLarge, match=r"Tệp quá lớn \(50 MB; nhận tối đa 40 MB\)"):
        read_text(_sparse(tmp_path / "nhat-ky.txt", 50 * MB))


def test_a_text_over_the_length_limit_is_refused(tmp_path):
    lines = directive_lines()
    path = tmp_path / "dai.txt"
    path.write_text("\n".join(lines * (readers.MAX_TEXT_CHARS // len("\n".join(lines)) + 1)), encoding="utf-8")

    with pytest.raises(TooLarge, match="Văn bản quá dài .* nhận tối đa 500.000"):
        read_text(path)


def test_a_zip_bomb_docx_is_refused_before_unpacking(tmp_path):
    path = _zip_bomb(tmp_path / "ke-hoach.docx")
    assert path.stat().st_size < MB

    with pytest.raises(TooLarge, match="nén độc hại"):
        read_text(path)


def test_tasks_are_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "MAX_TASKS", 10)
    body = [f"- Nộp báo cáo số {i} về phòng trước ngày {i % 28 + 1}/12/2023." for i in range(40)]

    document = parse_file(write_directive(tmp_path / "nhieu-viec.txt", body))

    assert len(document.tasks) == 10
    assert document.tasks[0].text.startswith("Nộp báo cáo số 0 ")


def test_ten_thousand_short_paragraphs_parse_whole(tmp_path):
    word = docx.Document()
    for line in directive_lines()[:9]:
        word.add_paragraph(line)
    for i in range(1, 10_001):
        word.add_paragraph(f"- Lớp {i} nộp sổ trước ngày {i % 28 + 1}/12/2024.")
    word.save(tmp_path / "dai.docx")

    document = parse_file(tmp_path / "dai.docx")

    assert document.text.endswith("- Lớp 10000 nộp sổ trước ngày 5/12/2024.")
    assert len(document.tasks) == parse.MAX_TASKS


def test_ten_thousand_one_line_chapters_are_refused_as_too_many_passages(tmp_path):
    # Chapters, each a passage of its own however short (short articles would share passages).
    word = docx.Document()
    for line in directive_lines()[:9]:
        word.add_paragraph(line)
    for i in range(1, 10_001):
        word.add_paragraph(f"Chương {i}. Quy định số {i}")
    word.save(tmp_path / "dai.docx")

    with pytest.raises(TooLarge, match=r"quá nhiều đoạn \(10001; tối đa 2000\)"):
        parse_file(tmp_path / "dai.docx")


def test_ocr_stops_at_the_page_limit_and_says_how_many_pages_it_read(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_OCR_PAGES", 3)
    blank = FPDF()
    for _ in range(200):
        blank.add_page()
    blank.output(str(tmp_path / "trang.pdf"))

    with pytest.raises(EmptyDocument, match=r"OCR không đọc được nội dung ở 3 trang đầu \(trong 200 trang\)"):
        read_text(tmp_path / "trang.pdf")


def test_a_scan_longer_than_the_page_limit_is_read_in_part_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_OCR_PAGES", 1)
    scan = _scanned_pdf(tmp_path, ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Cân đo chấm biểu đồ đợt 2"])
    two_pages = FPDF(format="A4")
    for _ in range(2):
        two_pages.add_page()
        two_pages.image(str(tmp_path / "page.png"), x=0, y=0, w=210, h=297)
    two_pages.output(str(scan))

    text, method = read_text(scan)

    assert method == "tesseract 1/2"
    assert text.count("GIÁO DỤC") == 1


@pytest.mark.model
def test_refused_files_change_nothing_and_replace_nothing(tmp_path):
    home = tmp_path / "home"
    good = write_txt(tmp_path / "ke-hoach.txt")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(good), "--home", str(home)]).exit_code == 0
    cv = Congvan(home)
    before = (cv.store.generation(), cv.store.db["chunks"].count, len(cv.store.vectors()))

    bad = tmp_path / "bad"
    bad.mkdir()
    # Named like the loaded directive, as a second copy of it would be.
    (bad / "ke-hoach.txt").write_bytes(b"\xff\xfe" + bytes(range(0x20, 0xd8)) * 40)
    _sparse(bad / "ke-hoach-lon.txt", 50 * MB)
    _zip_bomb(bad / "ke-hoach.docx")
    result = runner.invoke(app, ["ingest", str(bad), "--home", str(home)], terminal_width=300)

    assert result.exit_code == 1 and "lỗi: 3" in result.output, result.output
    cv = Congvan(home)
    reasons = {r["file_name"]: r["reason"] for r in cv.store.db["ingest_log"].rows_where("action = 'failed'")}
    assert "văn bản tiếng Việt" in reasons["ke-hoach.txt"]
    assert "Tệp quá lớn" in reasons["ke-hoach-lon.txt"]
    assert "nén độc hại" in reasons["ke-hoach.docx"]
    assert (cv.store.generation(), cv.store.db["chunks"].count, len(cv.store.vectors())) == before
    assert [(d["file_name"], d["sha256"]) for d in cv.documents()] == [
        ("ke-hoach.txt", hashlib.sha256(good.read_bytes()).hexdigest())]
