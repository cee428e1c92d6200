"""The `congvan` command as an admin and a teacher use it, on real files and a real index."""
from __future__ import annotations

import json

import pytest
from fpdf import FPDF
from typer.testing import CliRunner

from bot.core.api import Congvan
from bot.channels.cli import app

from .directives import write_txt

pytestmark = pytest.mark.model  # the command line ingests with the bundled model

runner = CliRunner()


def run(*args, home):
    return runner.invoke(app, [*args, "--home", str(home)], catch_exceptions=False)


def bad_files(folder):
    """One of each kind of file an admin may send by mistake, with the reason they should read."""
    folder.mkdir()
    (folder / "rong.txt").write_text("   \n\n  ", encoding="utf-8")
    (folder / "khong-byte.docx").write_bytes(b"")
    (folder / "bang-tinh.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (folder / "hong.docx").write_bytes(b"this is not a zip file")
    (folder / "hong.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ngarbage")
    (folder / "~$ke-hoach.docx").write_bytes(b"\x0bWord lock\x00\x00")
    (folder / "nhieu.txt").write_bytes(b"\xff\xfe" + bytes(range(0x20, 0xd8)) * 40)  # noise after a UTF-16 byte-order mark
    blank = FPDF()
    blank.add_page()
    blank.output(str(folder / "trang-trang.pdf"))
    return {
        "rong.txt": "rỗng", "khong-byte.docx": "0 byte", "bang-tinh.xlsx": ".xlsx",
        "hong.docx": "hỏng", "hong.pdf": "hỏng", "~$ke-hoach.docx": "tạm của Word",
        "nhieu.txt": "tiếng Việt", "trang-trang.pdf": "OCR",
    }


def test_bad_files_each_get_a_reason_change_nothing_and_exit_non_zero(tmp_path):
    home = tmp_path / "home"
    good = write_txt(tmp_path / "ke-hoach.txt")
    assert run("ingest", str(good), home=home).exit_code == 0
    cv = Congvan(home)
    before = (cv.store.generation(), cv.store.db["chunks"].count, len(cv.store.vectors()))

    expected = bad_files(tmp_path / "bad")
    result = runner.invoke(app, ["ingest", str(tmp_path / "bad"), "--home", str(home)],
                           catch_exceptions=False, terminal_width=300)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    for name, reason in expected.items():
        line = next((l for l in lines if name in l), None)
        assert line is not None and "lỗi" in line, (name, result.output)
        assert reason.lower() in line.lower(), (name, line)
    assert "lỗi: 8" in result.output
    cv = Congvan(home)
    assert (cv.store.generation(), cv.store.db["chunks"].count, len(cv.store.vectors())) == before
    assert [d["file_name"] for d in cv.documents()] == ["ke-hoach.txt"]
    log = {r["file_name"]: r for r in cv.store.db["ingest_log"].rows_where("action = 'failed'")}
    assert set(log) == set(expected) and all(r["reason"] for r in log.values())


def test_a_batch_with_some_good_files_succeeds(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_txt(folder / "ke-hoach.txt")
    (folder / "anh.jpg").write_bytes(b"\xff\xd8\xff")
    result = runner.invoke(app, ["ingest", str(folder), "--home", str(tmp_path / "home")], terminal_width=300)
    assert result.exit_code == 0
    assert "đã thêm: 1" in result.output and "lỗi: 1" in result.output


def test_docs_show_ask_remove(tmp_path):
    home = tmp_path / "home"
    run("ingest", str(write_txt(tmp_path / "ke-hoach.txt")), home=home)

    docs = json.loads(run("docs", "--json", home=home).output)
    assert [(d["id"], d["issuer"], d["number"]) for d in docs] == [(1, "Trường MN Hoa Mai", "45/KH-MNHM")]

    shown = runner.invoke(app, ["show", "1", "--home", str(home)], terminal_width=200).output
    assert "Trường MN Hoa Mai" in shown and "II. LỊCH CÔNG TÁC" in shown and "[2024-12]" in shown

    asked = json.loads(run("ask", "--json", "hội thi bé khỏe bé ngoan hạn nộp đăng ký", home=home).output)
    assert set(asked) == {"question", "answer", "abstained", "confidence", "searched", "leads", "citations",
                          "agenda", "documents", "signals", "latency_ms"}
    assert asked["citations"][0]["file"] == "ke-hoach.txt" and "15/12/2024" in asked["answer"]

    human = run("ask", "hội thi bé khỏe bé ngoan hạn nộp đăng ký", home=home).output
    assert human.startswith("Trước ngày 15/12/2024") and "Nguồn:" in human

    assert run("remove", "1", home=home).exit_code == 0
    assert json.loads(run("docs", "--json", home=home).output) == []
    assert run("remove", "1", home=home).exit_code == 1


def test_chat_loop_answers_until_an_empty_line(tmp_path):
    home = tmp_path / "home"
    run("ingest", str(write_txt(tmp_path / "ke-hoach.txt")), home=home)
    result = runner.invoke(app, ["chat", "--home", str(home)],
                           input="hoi thi be khoe be ngoan nop dang ky truoc ngay nao\n\nhan\n")
    assert result.exit_code == 0
    assert "15/12/2024" in result.output and "Hạn trong" not in result.output  # stopped at the empty line


def test_chat_loop_takes_commands_and_numbered_choices_as_the_bots_do(tmp_path):
    home = tmp_path / "home"
    run("ingest", str(write_txt(tmp_path / "ke-hoach.txt")), home=home)
    result = runner.invoke(app, ["chat", "--home", str(home)], input="don vi\n1\nthang 12/2024\n\n")
    assert result.exit_code == 0
    assert "1. Trường MN Hoa Mai" in result.output and "Đã chọn đơn vị: Trường MN Hoa Mai" in result.output
    assert "Nhiệm vụ tháng 12/2024 — Trường MN Hoa Mai" in result.output


def test_eval_reports_metrics_by_variant(tmp_path):
    home = tmp_path / "home"
    run("ingest", str(write_txt(tmp_path / "ke-hoach.txt")), home=home)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({
        "id": "t1", "kind": "deadline", "question": "Hội thi bé khỏe bé ngoan nộp đăng ký trước ngày nào?",
        "variants": ["Hoi thi be khoe be ngoan nop dang ky truoc ngay nao?"],
        "gold": [{"doc": "ke-hoach.txt", "quote": "nộp danh sách đăng ký về ban giám hiệu trước ngày 15/12/2024"}],
        "answer_any": ["15/12"]}, ensure_ascii=False) + "\n", encoding="utf-8")
    report = json.loads(run("eval", "--json", str(questions), home=home).output)
    assert report["by_variant"]["accented"]["hit@1"] == 1.0
    assert report["by_variant"]["accented"]["recall@5"] == 1.0
    assert report["by_variant"]["unaccented"]["answered_correctly"] == 1.0
    assert len(report["items"]) == 2


def test_eval_of_two_sets_keeps_each_set_to_its_own_directives(tmp_path):
    """Each question file is answered from its own corpus: a question about set A's directive
    finds nothing when asked of set B."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_txt(tmp_path / "a" / "ke-hoach.txt")
    (tmp_path / "b" / "thong-bao.txt").write_text(
        "THÔNG BÁO\nVề lịch nghỉ Tết Nguyên đán\nHọc sinh nghỉ Tết từ ngày 05/02/2024 đến hết ngày 14/02/2024.\n",
        encoding="utf-8")
    question = {"id": "t1", "kind": "deadline", "question": "Hội thi bé khỏe bé ngoan nộp đăng ký trước ngày nào?",
                "variants": ["Hoi thi be khoe be ngoan nop dang ky truoc ngay nao?"],
                "gold": [{"doc": "ke-hoach.txt", "quote": "nộp danh sách đăng ký về ban giám hiệu trước ngày 15/12/2024"}],
                "answer_any": ["15/12"]}
    for name in ("a", "b"):
        (tmp_path / f"{name}_questions.jsonl").write_text(json.dumps(question, ensure_ascii=False) + "\n",
                                                         encoding="utf-8")
    result = run("eval", "--json", str(tmp_path / "a_questions.jsonl"), str(tmp_path / "b_questions.jsonl"),
                 "--corpus", str(tmp_path / "a"), "--corpus", str(tmp_path / "b"), home=tmp_path / "home")
    reports = json.loads(result.output)
    assert reports["a"]["overall"]["recall@5"] == 1.0
    assert reports["b"]["overall"]["recall@20"] == 0.0
    assert (tmp_path / "home" / "eval-a_questions").is_dir()
