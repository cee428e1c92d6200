"""One writer per home: a second ingesting process waits, saying so, and then sees what the
first one saved; readers are never held up. Real processes, the bundled model."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.core.api import Congvan

from .conftest import ROOT
from .directives import write_txt
from .test_crash import child

pytestmark = pytest.mark.model  # the writers are child processes with the bundled model

WAITING = "Đang có tiến trình khác nạp văn bản, đang chờ…"
QUESTION = "Hội thi bé khỏe bé ngoan nộp danh sách đăng ký trước ngày nào?"


def hold_in_save(home, file):
    """A child ingesting `file`, held right before its save transaction begins (lock taken)."""
    writer = child(home, file, lockstep=True, real=True)
    for line in writer.stdout:
        if line.startswith("BEGIN"):
            return writer
        writer.stdin.write("\n")
        writer.stdin.flush()
    raise AssertionError("the child ended before its save")


def cli_ingest(home, file):
    return subprocess.Popen([sys.executable, "-m", "bot.channels.cli", "ingest", str(file), "--home", str(home)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "300"})


def wait_for_message(proc) -> None:
    """Blocks until the process says it waits (it must say so before it can go on)."""
    for line in proc.stderr:
        if WAITING in line:
            return
    raise AssertionError(f"no waiting message; stdout: {proc.stdout.read()}")


def release(writer) -> None:
    writer.stdin.close()  # each statement then runs without waiting
    writer.stdout.read()
    assert writer.wait() == 0


def test_the_same_new_file_ingested_by_two_processes_at_once_lands_once(tmp_path):
    home, file = tmp_path / "home", write_txt(tmp_path / "ke-hoach.txt")
    first = hold_in_save(home, file)
    reader = Congvan(home)
    assert reader.documents() == []  # not held up by the writer, and sees nothing half-saved
    assert reader.ask(QUESTION).abstained

    second = cli_ingest(home, file)
    wait_for_message(second)
    release(first)
    out, _ = second.communicate()
    assert second.returncode == 0
    assert "không đổi: 1" in out and "đã thêm: 0" in out, out
    assert [d["file_name"] for d in Congvan(home).documents()] == ["ke-hoach.txt"]
    assert "15/12/2024" in Congvan(home).ask(QUESTION).text


def test_two_versions_of_one_file_at_once_end_as_one_document_and_one_old_version(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = write_txt(tmp_path / "a" / "ke-hoach.txt", deadline="15/12/2024")
    new = write_txt(tmp_path / "b" / "ke-hoach.txt", deadline="19/12/2024")
    first = hold_in_save(home, old)
    second = cli_ingest(home, new)
    wait_for_message(second)
    release(first)
    out, _ = second.communicate()
    assert second.returncode == 0 and "đã cập nhật: 1" in out, out
    cv = Congvan(home)
    assert len(cv.documents()) == 1 and [v["action"] for v in cv.history()] == ["replaced"]
    assert "19/12/2024" in cv.ask(QUESTION).text
    listed = json.loads(subprocess.run([sys.executable, "-m", "bot.channels.cli", "docs", "--json", "--home", str(home)],
                                       cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    assert len(listed) == 1
