"""A question reads one version of the index, even while an upload saves a new one in the same
process: real SQLite (WAL) and FAISS, the hash embedder, threads held at known points by events."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from bot.core.api import Congvan

from .conftest import HashEmbedder
from .directives import write_txt

QUESTION = "Hội thi bé khỏe bé ngoan nộp danh sách đăng ký trước ngày nào?"
WAIT = 60  # seconds before a held thread gives up: only reached when the test is failing


def home_with_old_version(tmp_path):
    """A home holding the plan due 15/12/2024, and the file of its new version (due 18/12/2024)."""
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    cv = Congvan(tmp_path / "home", embedder=HashEmbedder())
    [added] = cv.ingest([write_txt(tmp_path / "old" / "ke-hoach.txt", deadline="15/12/2024")])
    assert added.action == "added"
    assert "15/12/2024" in cv.ask(QUESTION).text
    return cv, added.document_id, write_txt(tmp_path / "new" / "ke-hoach.txt", deadline="18/12/2024")


def test_a_question_asked_while_an_upload_is_saving_is_answered_from_the_old_version(tmp_path):
    cv, old_id, new_file = home_with_old_version(tmp_path)
    in_save, release = threading.Event(), threading.Event()

    def hold_before_commit(statement: str) -> None:
        # The save's last statement: every row of the new version is in, not yet committed.
        if statement.startswith("update state set generation") and not in_save.is_set():
            in_save.set()
            release.wait(WAIT)

    cv.store._write_db().conn.set_trace_callback(hold_before_commit)
    with ThreadPoolExecutor(1) as upload_thread:
        upload = upload_thread.submit(cv.ingest_file, new_file)
        assert in_save.wait(WAIT), "the upload never reached its save"
        try:
            during = cv.ask(QUESTION)
            documents = cv.documents()
        finally:
            release.set()
        assert upload.result(WAIT).action == "updated"
    assert "15/12/2024" in during.text and "18/12/2024" not in during.text
    assert [d["id"] for d in documents] == [old_id]

    after = cv.ask(QUESTION)
    assert "18/12/2024" in after.text and "15/12/2024" not in after.text
    assert [d["id"] for d in cv.documents()] != [old_id] and len(cv.history()) == 1


def test_a_replace_committed_in_the_middle_of_a_question_does_not_mix_versions(tmp_path, monkeypatch):
    cv, old_id, new_file = home_with_old_version(tmp_path)
    searched, go_on = threading.Event(), threading.Event()
    read_rows = cv.store.chunk_rows

    def rows_after_the_commit(ids):
        # Held after the keyword and vector searches, before the passages' rows are read.
        if threading.current_thread().name.startswith("question") and not searched.is_set():
            searched.set()
            go_on.wait(WAIT)
        return read_rows(ids)

    monkeypatch.setattr(cv.store, "chunk_rows", rows_after_the_commit)
    with ThreadPoolExecutor(1, thread_name_prefix="question") as question_thread:
        question = question_thread.submit(cv.ask, QUESTION)
        assert searched.wait(WAIT), "the question never searched"
        try:
            assert cv.ingest_file(new_file).action == "updated"  # committed while the question reads
        finally:
            go_on.set()
        answer = question.result(WAIT)
    assert "15/12/2024" in answer.text and "18/12/2024" not in answer.text
    assert answer.retrieved and all("18/12/2024" not in r["quote"] for r in answer.retrieved)
    assert "18/12/2024" in cv.ask(QUESTION).text


def test_the_vectors_read_in_a_snapshot_are_that_snapshots_chunks(tmp_path):
    cv, _, new_file = home_with_old_version(tmp_path)
    with cv.store.reading() as generation:
        old_chunks = {r[0] for r in cv.store.db.execute("select id from chunks")}
        with ThreadPoolExecutor(1) as upload_thread:
            assert upload_thread.submit(cv.ingest_file, new_file).result(WAIT).action == "updated"
        assert cv.store.generation() == generation
        assert cv.store.vectors().ids() == old_chunks
    new_chunks = {r[0] for r in cv.store.db.execute("select id from chunks")}
    assert new_chunks != old_chunks and cv.store.vectors().ids() == new_chunks
