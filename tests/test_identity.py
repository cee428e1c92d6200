"""A new file replaces a loaded document only when both are the same directive; every
replacement and removal is kept as a version that `congvan restore` brings back."""
from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from bot.core.api import Congvan
from bot.channels import cli as cli_module
from bot.channels.cli import app
from index.store import Store

from .directives import write_directive, write_txt
from .conftest import HashEmbedder

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Tables as on a wide terminal: one line per row, so a row's words can be found together."""
    monkeypatch.setattr(cli_module.console, "width", 400)


def cli(*args, home):
    return runner.invoke(app, [*args, "--home", str(home)], catch_exceptions=False)


def office_letter(path, number="01/PGDĐT-MN", year=2023, topic="tập huấn chuyên môn cho giáo viên",
                  office=("UBND QUẬN HỒNG BÀNG", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO")):
    """An office's letter as plain text under `path` (any name: .md too)."""
    text_file = write_directive(path.with_suffix(".txt"), [
        "I. MỤC ĐÍCH", f"1. Tổ chức {topic} năm {year}.", "II. NỘI DUNG", f"- Thực hiện {topic} trong tháng 10/{year}."],
        issuer=office, number=number, place_date=f"Hồng Bàng, ngày 05 tháng 9 năm {year}",
        title=("CÔNG VĂN", f"V/v {topic}"))
    if text_file != path:
        text_file.rename(path)
    return path


def loaded(cv):
    return sorted((d["issuer"], d["number"], d["date"]) for d in cv.documents())


def test_two_directives_sharing_a_file_name_are_both_kept(tmp_path):
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    first = cv.ingest([office_letter(tmp_path / "a" / "ke_hoach.md")])[0]
    other_office = cv.ingest([write_txt(tmp_path / "b" / "ke_hoach.md")])[0]  # a school's plan
    same_office = cv.ingest([office_letter(tmp_path / "c" / "ke_hoach.md", number="15/PGDĐT-MN",
                                           topic="kiểm tra nội bộ trường học")])[0]
    assert [r.action for r in (first, other_office, same_office)] == ["added"] * 3
    assert [r.maybe_replaces for r in (other_office, same_office)] == [None, None]  # plainly different
    assert len(cv.documents()) == 3 and cv.history() == []


def test_the_same_number_a_year_later_is_another_directive(tmp_path):
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    cv.ingest([office_letter(tmp_path / "cv-2023.txt", year=2023)])
    [later] = cv.ingest([office_letter(tmp_path / "cv-2024.txt", year=2024, topic="kiểm tra nội bộ trường học")])
    assert later.action == "added" and later.maybe_replaces is None
    assert loaded(cv) == [("Phòng GD&ĐT quận Hồng Bàng", "01/PGDĐT-MN", "2023-09-05"),
                          ("Phòng GD&ĐT quận Hồng Bàng", "01/PGDĐT-MN", "2024-09-05")]


def test_same_issuer_number_and_year_replaces_under_any_file_name(tmp_path):
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    [old] = cv.ingest([office_letter(tmp_path / "cong-van.txt")])
    [new] = cv.ingest([office_letter(tmp_path / "cong-van-sua.txt", topic="tập huấn chuyên môn (sửa đổi)")])
    assert new.action == "updated" and new.replaced == old.document_id
    assert [d["file_name"] for d in cv.documents()] == ["cong-van-sua.txt"]


@pytest.mark.model
def test_a_file_that_only_shares_a_name_is_added_with_a_hint_how_to_replace(tmp_path):
    home = tmp_path / "home"
    assert cli("ingest", str(write_txt(tmp_path / "ke-hoach.txt")), home=home).exit_code == 0
    (tmp_path / "moi").mkdir()
    unnumbered = write_txt(tmp_path / "moi" / "ke-hoach.txt", number="")  # same name and school, no number
    unnumbered.write_text(unnumbered.read_text(encoding="utf-8").replace(
        "Kiểm tra nội bộ.", "Kiểm tra nội bộ.\n- " + " ".join(f"Việc mới số {i}." for i in range(60))),
        encoding="utf-8")  # and much of the text new: perhaps another plan

    result = cli("ingest", str(unnumbered), home=home)
    assert "đã thêm: 1" in result.output
    assert f"có thể là bản mới của #1" in result.output
    assert f'congvan remove 2 && congvan ingest --replace 1 "{unnumbered}"' in result.output
    assert len(Congvan(home).documents()) == 2

    refused = cli("ingest", "--replace", "1", str(unnumbered), home=home)
    assert "đã có ở văn bản #2" in refused.output and len(Congvan(home).documents()) == 2
    assert cli("remove", "2", home=home).exit_code == 0
    result = cli("ingest", "--replace", "1", str(unnumbered), home=home)
    assert "đã cập nhật: 1" in result.output and "thay #1" in result.output
    docs = json.loads(cli("docs", "--json", home=home).output)
    assert [(d["id"], d["number"]) for d in docs] == [(3, "")]  # ids are never reused


def test_same_name_and_issuer_with_mostly_the_same_text_replaces(tmp_path):
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    cv.ingest([write_txt(tmp_path / "ke-hoach.txt", number="")])
    [result] = cv.ingest([write_txt(tmp_path / "ke-hoach.txt", number="", deadline="18/12/2024")])
    assert result.action == "updated"
    assert "18/12/2024" in cv.documents()[0]["text"]


def test_add_flag_never_replaces(tmp_path):
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    cv.ingest([write_txt(tmp_path / "ke-hoach.txt")])
    [result] = cv.ingest([write_txt(tmp_path / "ke-hoach.txt", deadline="18/12/2024")], add=True)
    assert result.action == "added" and len(cv.documents()) == 2


def test_garbage_named_like_a_directive_never_replaces_it(tmp_path):
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    path = write_txt(tmp_path / "ke-hoach.txt")
    [real] = cv.ingest([path])
    noise = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(3000))
    path.write_bytes(b"\xff\xfe" + noise.encode("utf-16-le"))
    [result] = cv.ingest([path])
    assert result.action in ("failed", "added") and result.replaced is None
    assert cv.document(real.document_id)["number"] == "45/KH-MNHM"


@pytest.mark.model
def test_replaced_and_removed_versions_are_listed_and_restored(tmp_path):
    home = tmp_path / "home"
    cli("ingest", str(write_txt(tmp_path / "ke-hoach.txt", deadline="15/12/2024")), home=home)
    cli("ingest", str(write_txt(tmp_path / "ke-hoach.txt", deadline="18/12/2024")), home=home)

    listed = cli("history", home=home).output
    assert "bị thay bằng #2" in listed and "#1 Kế hoạch số 45/KH-MNHM" in listed

    restored = cli("restore", "1", home=home)
    assert restored.exit_code == 0 and "#2 được lưu vào lịch sử" in restored.output
    cv = Congvan(home)
    [doc] = cv.documents()
    assert "15/12/2024" in doc["text"] and "18/12/2024" not in doc["text"]
    assert cv.store.original_path(doc).read_bytes().decode().count("15/12/2024") == 1
    assert "15/12/2024" in cv.ask("Hội thi bé khỏe bé ngoan nộp danh sách đăng ký trước ngày nào?").text
    assert len(cv.store.vectors()) == cv.store.db["chunks"].count == doc["chunk_count"]
    assert [t["deadline_end"] for t in cv.tasks() if t["deadline_end"]] == ["2024-12-15"]

    assert cli("restore", "2", home=home).exit_code == 0  # the newer one back again, under its id
    assert [(d["id"], "18/12/2024" in d["text"]) for d in Congvan(home).documents()] == [(2, True)]

    removed = cli("remove", "ke-hoach.txt", home=home)
    assert "congvan restore 4" in removed.output and Congvan(home).documents() == []
    assert cli("restore", "4", home=home).exit_code == 0
    assert [(d["id"], "18/12/2024" in d["text"]) for d in Congvan(home).documents()] == [(2, True)]
    assert cli("restore", "99", home=home).exit_code == 1
    # Kept versions keep their originals: the next writer's cleanup leaves them.
    cv = Congvan(home)
    assert {f"{v['sha256']}.{v['format']}" for v in cv.history()} <= {p.name for p in (home / "files").iterdir()}


def test_a_home_from_before_versions_keeps_working(tmp_path):
    home = tmp_path / "home"
    path = write_txt(tmp_path / "ke-hoach.txt")
    Congvan(home, embedder=HashEmbedder()).ingest([path])
    db = sqlite3.connect(home / "congvan.db")  # taken back to the schema before this change
    db.execute("drop table versions")
    db.execute("drop table _sqlite_migrations")  # nor had it recorded any migration
    db.execute("alter table documents drop column chunk_total")
    db.commit()
    db.close()

    store = Store(home)
    assert "versions" in store.db.table_names() and store.documents()[0]["chunk_total"] is None
    cv = Congvan(home, embedder=HashEmbedder())
    assert cv.ingest([path])[0].action == "unchanged"  # parsed again and found whole
    assert cv.documents()[0]["chunk_total"] == cv.documents()[0]["chunk_count"]
    [result] = cv.ingest([write_txt(tmp_path / "ke-hoach.txt", deadline="18/12/2024")])
    assert result.action == "updated" and len(cv.history()) == 1
