"""Bounded work: files too big, too long, too compressed, too many pages or too slow to read
whole are refused (or read in part) with a Vietnamese reason naming the limit and its setting,
and a refused file changes nothing."""
from __future__ import annotations

import hashlib
import re
import zipfile

import docx
import pytest
from fpdf import FPDF
from typer.testing import CliRunner

from bot.core import config
from bot.core.api import Congvan
from bot.channels.cli import app
from ingest import readers
from ingest.errors import EmptyDocument, OverTime, TooLarge
from ingest.limits import Budget, Limits
from ingest.parse import parse_file
from ingest.readers import read_text

from .conftest import HashEmbedder
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
    with pytest.raises(TooLarge, match=r"Tệp quá lớn \(50 MB; nhận tối đa 40 MB, đặt bằng CONGVAN_MAX_FILE_MB\)"):
        read_text(_sparse(tmp_path / "nhat-ky.txt", 50 * MB))


def test_a_text_over_the_length_limit_is_refused(tmp_path):
    lines = directive_lines()
    path = tmp_path / "dai.txt"
    path.write_text("\n".join(lines * (Limits().chars // len("\n".join(lines)) + 1)), encoding="utf-8")

    with pytest.raises(TooLarge, match="Văn bản quá dài .* nhận tối đa 500.000, đặt bằng CONGVAN_MAX_CHARS"):
        read_text(path)


def test_a_zip_bomb_docx_is_refused_before_unpacking(tmp_path):
    path = _zip_bomb(tmp_path / "ke-hoach.docx")
    assert path.stat().st_size < MB

    with pytest.raises(TooLarge, match="nén độc hại"):
        read_text(path)


def test_tasks_are_capped(tmp_path):
    body = [f"- Nộp báo cáo số {i} về phòng trước ngày {i % 28 + 1}/12/2023." for i in range(40)]

    document = parse_file(write_directive(tmp_path / "nhieu-viec.txt", body), Limits(tasks=10))

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
    assert len(document.tasks) == Limits().tasks


def test_ten_thousand_one_line_chapters_are_refused_as_too_many_passages(tmp_path):
    # Chapters, each a passage of its own however short (short articles would share passages).
    word = docx.Document()
    for line in directive_lines()[:9]:
        word.add_paragraph(line)
    for i in range(1, 10_001):
        word.add_paragraph(f"Chương {i}. Quy định số {i}")
    word.save(tmp_path / "dai.docx")

    with pytest.raises(TooLarge, match=r"quá nhiều đoạn \(10.001; tối đa 2.000, đặt bằng CONGVAN_MAX_PASSAGES\)"):
        parse_file(tmp_path / "dai.docx")


def _blank_pdf(path, pages: int):
    blank = FPDF()
    for _ in range(pages):
        blank.add_page()
    blank.output(str(path))
    return path


def test_ocr_stops_at_the_page_limit_and_says_how_many_pages_it_read(tmp_path):
    with pytest.raises(EmptyDocument, match=r"OCR không đọc được nội dung ở 3 trang đầu \(trong 200 trang\)"):
        read_text(_blank_pdf(tmp_path / "trang.pdf", 200), Limits(ocr_pages=3))


def test_a_pdf_over_the_page_limit_is_refused_before_reading_its_pages(tmp_path):
    path = _blank_pdf(tmp_path / "trang.pdf", 6)
    with pytest.raises(TooLarge, match=r"PDF có quá nhiều trang \(6; nhận tối đa 5, đặt bằng CONGVAN_MAX_PAGES\)"):
        read_text(path, Limits(pages=5))


def test_a_scan_longer_than_the_page_limit_is_read_in_part_and_says_so(tmp_path):
    scan = _scanned_pdf(tmp_path, ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Cân đo chấm biểu đồ đợt 2"])
    two_pages = FPDF(format="A4")
    for _ in range(2):
        two_pages.add_page()
        two_pages.image(str(tmp_path / "page.png"), x=0, y=0, w=210, h=297)
    two_pages.output(str(scan))

    text, method = read_text(scan, Limits(ocr_pages=1))

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


# --- limits as settings ------------------------------------------------------------------------

def test_each_limit_is_a_setting_with_a_sane_default():
    assert config.load(environ={}).limits == Limits()
    lowered = config.load(environ={
        "CONGVAN_MAX_FILE_MB": "5", "CONGVAN_MAX_CHARS": "1000", "CONGVAN_MAX_PAGES": "7",
        "CONGVAN_MAX_OCR_PAGES": "0", "CONGVAN_MAX_PASSAGES": "3", "CONGVAN_MAX_TASKS": "4",
        "CONGVAN_FILE_SECONDS": "9"})
    assert lowered.limits == Limits(file_mb=5, chars=1000, pages=7, ocr_pages=0, passages=3, tasks=4, seconds=9)


@pytest.mark.parametrize("value", ["0", "-1", "mười"])
def test_a_limit_that_would_refuse_every_file_stops_congvan_with_its_name(value):
    with pytest.raises(config.SettingsError, match=r"CONGVAN_MAX_PASSAGES phải là số nguyên ≥ 1"):
        config.load(environ={"CONGVAN_MAX_PASSAGES": value})


def _fingerprint(cv: Congvan) -> tuple:
    return (cv.store.generation(), cv.store.db["chunks"].count, len(cv.store.vectors()),
            [(d["id"], d["sha256"]) for d in cv.documents()])


@pytest.mark.parametrize("setting, value, reason", [
    ("CONGVAN_MAX_CHARS", "1000", r"Văn bản quá dài \(.* ký tự; nhận tối đa 1.000, đặt bằng CONGVAN_MAX_CHARS\)"),
    ("CONGVAN_MAX_PASSAGES", "3", r"quá nhiều đoạn \(\d+; tối đa 3, đặt bằng CONGVAN_MAX_PASSAGES\)"),
])
def test_a_lowered_setting_refuses_a_file_the_default_accepts_and_changes_nothing(
        tmp_path, monkeypatch, setting, value, reason):
    home = tmp_path / "home"
    Congvan(home, embedder=HashEmbedder()).ingest([write_txt(tmp_path / "ke-hoach.txt")])
    plan = write_directive(tmp_path / "chuyen-de.txt", [
        f"{i}. Chuyên đề {i}: tổ chức cho trẻ trải nghiệm, báo cáo về ban giám hiệu trước ngày {i}/12/2023. "
        + "Chuẩn bị đồ dùng, phân công giáo viên, mời cha mẹ trẻ tham dự. " * 8 for i in range(1, 9)])
    before = _fingerprint(Congvan(home, embedder=HashEmbedder()))

    monkeypatch.setattr(config, "_current", config.load(environ={setting: value}))
    [refused] = Congvan(home, embedder=HashEmbedder()).ingest([plan])

    assert refused.action == "failed" and re.search(reason, refused.reason), refused.reason
    assert _fingerprint(Congvan(home, embedder=HashEmbedder())) == before

    monkeypatch.setattr(config, "_current", config.load(environ={}))
    [accepted] = Congvan(home, embedder=HashEmbedder()).ingest([plan])
    assert accepted.action == "added"


# --- the time budget of one file ---------------------------------------------------------------

class FakeTimer:
    """Monotonic seconds that pass only when the test says (`step` at each reading)."""

    def __init__(self, step: float = 0.0):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class SlowEmbedder(HashEmbedder):
    """Each call of the model takes `seconds` of the fake timer."""

    def __init__(self, timer: FakeTimer, seconds: float):
        super().__init__()
        self.timer, self.seconds, self.calls = timer, seconds, 0

    def passages(self, texts):
        self.calls += 1
        self.timer.now += self.seconds
        return super().passages(texts)


def test_a_budget_of_nothing_refuses_the_file_and_saves_nothing(tmp_path):
    home = tmp_path / "home"
    Congvan(home, embedder=HashEmbedder()).ingest([write_txt(tmp_path / "ke-hoach.txt")])
    before = _fingerprint(Congvan(home, embedder=HashEmbedder()))

    [result] = Congvan(home, embedder=HashEmbedder(), limits=Limits(seconds=0)).ingest(
        [write_txt(tmp_path / "ke-hoach-2.txt", school="SAO SÁNG", number="88/KH-MNSS")])

    assert result.action == "failed"
    assert result.reason.startswith("Tệp vượt quá thời gian xử lý cho phép (0 giây, đặt bằng CONGVAN_FILE_SECONDS)")
    assert _fingerprint(Congvan(home, embedder=HashEmbedder())) == before


def test_embedding_stops_between_batches_when_the_budget_is_spent(tmp_path):
    # 100 chapters, a passage each: four batches of 32. Each batch takes 50 s of the 120 s budget.
    path = write_directive(tmp_path / "dai.txt", [f"Chương {i}. Quy định số {i} về nề nếp" for i in range(1, 101)])
    timer = FakeTimer()
    embedder = SlowEmbedder(timer, 50)
    home = tmp_path / "home"

    [result] = Congvan(home, embedder=embedder, limits=Limits(seconds=120), timer=timer).ingest([path])

    assert result.action == "failed" and embedder.calls == 3
    assert "vượt quá thời gian xử lý cho phép (120 giây" in result.reason
    assert "khi đang tạo vector cho đoạn 97/" in result.reason
    assert Congvan(home, embedder=HashEmbedder()).documents() == []


def test_reading_a_long_pdf_stops_at_the_page_the_budget_runs_out(tmp_path):
    # Each reading of the clock takes a second, from 1 at the start: the first pass over the pages
    # reads 51 at page 50.
    with pytest.raises(OverTime, match=r"khi đang đọc trang 50/200;"):
        read_text(_blank_pdf(tmp_path / "trang.pdf", 200), Limits(), Budget(50, FakeTimer(step=1)))


def test_ocr_stops_when_the_budget_is_spent(tmp_path, monkeypatch):
    scan = _scanned_pdf(tmp_path, ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"])
    three = FPDF(format="A4")
    for _ in range(3):
        three.add_page()
        three.image(str(tmp_path / "page.png"), x=0, y=0, w=210, h=297)
    three.output(str(scan))
    timer = FakeTimer()
    check_tools = readers._check_ocr_tools

    def spend_the_budget():  # the pages are read; the budget runs out as OCR begins
        check_tools()
        timer.now += 121

    monkeypatch.setattr(readers, "_check_ocr_tools", spend_the_budget)
    with pytest.raises(OverTime, match=r"\(120 giây, .*\) khi đang nhận dạng chữ \(OCR\) trang [123];"):
        read_text(scan, Limits(), Budget(120, timer))
