"""kill -9 during an ingest, at chosen statements of the save and at random moments: a fresh
open then finds either the old state or the whole new document, and a re-run completes it.

The ingest runs in a child process (`python -m tests.test_crash HOME FILE [lockstep] [real]`). In
lockstep mode the child announces each SQL statement on stdout and waits for a line on stdin
(or its end) before running it, so the parent can kill it right before any statement it picks, or
hold it there. With `real` it embeds with the bundled model instead of HashEmbedder."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core.api import Congvan

from .conftest import ROOT, HashEmbedder
from .directives import write_directive


def write_plan(path: Path, deadline: str, sections: int) -> Path:
    """A plan with one numbered section per month item, each too long to share a chunk with
    the next: as many chunks as sections, at least."""
    body = []
    details = " Nội dung gồm: chuẩn bị đồ dùng, phân công giáo viên, mời cha mẹ trẻ tham dự, tổng hợp ý kiến." * 3
    for i in range(1, sections + 1):
        body += [f"{i}. Nội dung công việc số {i}",
                 f"- Tổ chức hoạt động chuyên đề {i} cho trẻ, báo cáo kết quả về ban giám hiệu trước ngày {deadline}."
                 + details]
    return write_directive(path, body)


def state(home: Path) -> dict:
    """What a fresh process finds: documents (by deadline), counts, and stray originals."""
    cv = Congvan(home, embedder=HashEmbedder())
    db = cv.store.db
    documents = cv.documents()
    referenced = {cv.store.original_path(d).name for d in documents} | {
        f"{v['sha256']}.{v['format']}" for v in cv.history()}
    return {
        "documents": [("18/12/2024" in d["text"], d["chunk_count"], cv.store.is_complete(d)) for d in documents],
        "chunks": db["chunks"].count,
        "fts": db.execute("select count(*) from chunks_fts").fetchone()[0],
        "vectors": len(cv.store.vectors()),
        "versions": len(cv.history()),
        "stray files": sorted({p.name for p in (home / "files").iterdir()} - referenced),
    }


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """A home holding version 1 of a plan (10 sections); version 2 (16 sections, a new deadline)
    replaces it. Returns (folder, the old state, the new state)."""
    folder = tmp_path_factory.mktemp("crash")
    old, new = write_plan(folder / "v1.txt", "15/12/2024", 10), write_plan(folder / "v2.txt", "18/12/2024", 16)
    (folder / "ke-hoach.txt").write_bytes(old.read_bytes())
    Congvan(folder / "template", embedder=HashEmbedder()).ingest([folder / "ke-hoach.txt"])
    old_state = state(folder / "template")
    (folder / "ke-hoach.txt").write_bytes(new.read_bytes())
    finished = folder / "finished"
    subprocess.run(["cp", "-r", str(folder / "template"), str(finished)], check=True)
    Congvan(finished, embedder=HashEmbedder()).ingest([folder / "ke-hoach.txt"])
    new_state = state(finished)
    assert old_state["documents"] == [(False, old_state["chunks"], True)] and old_state["versions"] == 0
    assert new_state["documents"] == [(True, new_state["chunks"], True)] and new_state["versions"] == 1
    assert new_state["chunks"] >= 16 > old_state["chunks"]
    return folder, old_state, new_state


def fresh_home(folder: Path, name: str) -> Path:
    home = folder / name
    subprocess.run(["cp", "-r", str(folder / "template"), str(home)], check=True)
    return home


def child(home: Path, file: Path, lockstep: bool, real: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.test_crash", str(home), str(file)]
                            + (["lockstep"] if lockstep else []) + (["real"] if real else []),
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def statements(folder: Path) -> list[str]:
    """Every statement the child runs for the ingest, in order (a run to the end)."""
    proc = child(fresh_home(folder, "dry-run"), folder / "ke-hoach.txt", lockstep=True)
    seen = []
    for line in proc.stdout:
        seen.append(line.strip())
        proc.stdin.write("\n")
        proc.stdin.flush()
    assert proc.wait() == 0
    return seen


def kill_before(home: Path, file: Path, index: int) -> str:
    """Run the child in lockstep and kill it right before its statement number `index`."""
    proc = child(home, file, lockstep=True)
    for i, line in enumerate(proc.stdout):
        if i == index:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return line.strip()
        proc.stdin.write("\n")
        proc.stdin.flush()
    raise AssertionError(f"the child ended before statement {index}")


def test_a_kill_before_any_statement_of_the_save_leaves_old_or_new_and_a_rerun_completes(scenario):
    folder, old_state, new_state = scenario
    run = statements(folder)
    begin = next(i for i, s in enumerate(run) if s.startswith("BEGIN"))
    commit = next(i for i, s in enumerate(run) if s.startswith("COMMIT") and i > begin)
    inserts = [i for i, s in enumerate(run) if s.startswith("INSERT INTO \"chunks\"")]
    assert commit - begin > 50  # the save is many statements, one transaction
    rng = random.Random(13)
    points = sorted({begin, begin + 1, inserts[0], inserts[len(inserts) // 2], inserts[-1], commit - 1, commit,
                     commit + 1, len(run) - 1, *rng.sample(range(begin, commit), 6)})
    outcomes = {}
    for index in points:
        home = fresh_home(folder, f"kill-{index}")
        statement = kill_before(home, folder / "ke-hoach.txt", index)
        found = state(home)
        assert found in (old_state, new_state), (index, statement, found)
        outcomes[index] = "old" if found == old_state else "new"

        [result] = Congvan(home, embedder=HashEmbedder()).ingest([folder / "ke-hoach.txt"])
        assert result.action == ("updated" if outcomes[index] == "old" else "unchanged"), (index, result)
        assert state(home) == new_state
    # Killed before COMMIT ran: the old state; after: the new one.
    assert {i: o for i, o in outcomes.items()} == {i: "old" if i <= commit else "new" for i in points}


def test_kills_at_random_moments_leave_old_or_new_and_a_rerun_completes(scenario):
    folder, old_state, new_state = scenario
    started = time.perf_counter()
    proc = child(fresh_home(folder, "timing"), folder / "ke-hoach.txt", lockstep=False)
    assert proc.wait() == 0
    whole = time.perf_counter() - started
    rng = random.Random(7)
    for round in range(4):
        home = fresh_home(folder, f"random-{round}")
        proc = child(home, folder / "ke-hoach.txt", lockstep=False)
        time.sleep(rng.uniform(0.3, 1.0) * whole)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert state(home) in (old_state, new_state), round
        Congvan(home, embedder=HashEmbedder()).ingest([folder / "ke-hoach.txt"])
        assert state(home) == new_state


def test_a_document_cut_short_by_an_older_version_is_found_and_ingested_again(scenario, tmp_path):
    """Homes written before saves were one transaction can hold a document missing chunks,
    its total unknown, and a vectors file that claims to be current."""
    folder, _, new_state = scenario
    home = tmp_path / "home"
    subprocess.run(["cp", "-r", str(folder / "finished"), str(home)], check=True)
    Congvan(home, embedder=HashEmbedder()).store.vectors()  # the file is written for this generation
    db = sqlite3.connect(home / "congvan.db")
    db.execute("update documents set chunk_total = null")
    db.execute("delete from chunks where ordinal >= 5 and id not in (select chunk_id from tasks where chunk_id is not null)")
    db.commit()
    db.close()
    cut = state(home)
    assert cut["chunks"] < new_state["chunks"]
    assert cut["vectors"] == cut["chunks"] == cut["fts"]  # search never points at missing chunks

    [result] = Congvan(home, embedder=HashEmbedder()).ingest([folder / "ke-hoach.txt"])
    assert result.action == "added" and result.chunks == new_state["chunks"]
    again = state(home)
    assert again["documents"] == new_state["documents"] and again["vectors"] == new_state["chunks"]
    [result] = Congvan(home, embedder=HashEmbedder()).ingest([folder / "ke-hoach.txt"])
    assert result.action == "unchanged"


def _child_main(home: str, file: str, lockstep: bool, real: bool) -> None:
    cv = Congvan(home, embedder=None if real else HashEmbedder())
    if lockstep:
        def announce(statement: str) -> None:
            print(" ".join(statement.split())[:120], flush=True)
            sys.stdin.readline()

        for db in (cv.store.db, cv.store._write_db()):
            db.conn.set_trace_callback(announce)
    [result] = cv.ingest([file])
    os._exit(0 if result.action != "failed" else 1)


if __name__ == "__main__":
    _child_main(sys.argv[1], sys.argv[2], "lockstep" in sys.argv[3:], "real" in sys.argv[3:])
