"""The index's schema is one ordered list of migrations, and homes made before it was recorded are
carried forward.

fixtures/home_before_migrations.db is the congvan.db of a home made by the code of commit 3c7c52b
(the last before index/migrations.py), which ingested `directives.write_txt(...)` (the plan due
15/12/2024) with HashEmbedder; its WAL was checkpointed and it was vacuumed, nothing else."""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time

from bot.core.api import Congvan
from index.migrations import migrations
from index.store import Store

from .conftest import ROOT, HashEmbedder
from .directives import write_txt

OLD_HOME = ROOT / "tests" / "fixtures" / "home_before_migrations.db"
QUESTION = "Hội thi bé khỏe bé ngoan nộp danh sách đăng ký trước ngày nào?"
STEPS = ["create_schema", "add_tasks_and_units", "add_versions", "add_lookups"]


def old_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(OLD_HOME, home / "congvan.db")
    return home


def applied(store: Store) -> list[tuple[str, str]]:
    return [(m.name, m.applied_at) for m in migrations.applied(store.db)]


def test_a_new_home_runs_every_step_in_order_once(tmp_path):
    store = Store(tmp_path)
    steps = applied(store)
    assert [name for name, _ in steps] == STEPS
    assert applied(Store(tmp_path)) == steps


def test_a_home_made_before_migrations_keeps_its_documents_and_answers(tmp_path):
    home = old_home(tmp_path)
    cv = Congvan(home, embedder=HashEmbedder())
    steps = applied(cv.store)
    assert [name for name, _ in steps] == STEPS
    [document] = cv.documents()
    assert document["file_name"] == "ke-hoach.txt" and document["unit"] == "Trường MN Hoa Mai"
    assert "15/12/2024" in cv.ask(QUESTION).text
    assert [t["deadline_end"] for t in cv.tasks() if t["deadline_end"]] == ["2024-12-15"]

    reopened = Congvan(home, embedder=HashEmbedder())
    assert applied(reopened.store) == steps  # migrated once
    (tmp_path / "new").mkdir()
    [result] = reopened.ingest([write_txt(tmp_path / "new" / "ke-hoach.txt", deadline="18/12/2024")])
    assert result.action == "updated" and result.replaced == document["id"]
    assert "18/12/2024" in reopened.ask(QUESTION).text and len(reopened.history()) == 1


def wait_until_blocked(processes: list[subprocess.Popen], lock_path, timeout: float = 60) -> None:
    """Until every process is blocked on the flock of lock_path (read from /proc/locks)."""
    inode = os.stat(lock_path).st_ino
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = [p for p in processes if p.poll() is not None]
        assert not ended, f"a process opened the home without waiting for the lock: {ended[0].stderr.read()}"
        with open("/proc/locks") as f:
            blocked = [line for line in f if "->" in line and f":{inode} " in line]
        if len(blocked) >= len(processes):
            return
        time.sleep(0.01)  # polling a condition, not timing the processes
    raise AssertionError(f"the processes never waited for {lock_path}")


def test_two_processes_opening_an_old_home_at_once_migrate_it_once(tmp_path):
    home = old_home(tmp_path)
    code = "import sys; from index.store import Store; Store(sys.argv[1])"
    with open(home / "writer.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # both find the home old, then queue for the lock
        openers = [subprocess.Popen([sys.executable, "-c", code, str(home)], cwd=ROOT, stderr=subprocess.PIPE,
                                    text=True) for _ in range(2)]
        wait_until_blocked(openers, home / "writer.lock")
    for opener in openers:
        _, err = opener.communicate(timeout=120)
        assert opener.returncode == 0, err
    store = Store(home)
    assert [name for name, _ in applied(store)] == STEPS
    assert [d["file_name"] for d in store.documents()] == ["ke-hoach.txt"]
