"""The benchmark's varied corpus and a small run of the system comparison."""
from __future__ import annotations

import json
import re

import pytest

from bench import corpus
from ingest.parse import parse_file

from .conftest import SAMPLES


def _shift(school_year: str, k: int) -> str:
    return "-".join(str(int(y) + k) for y in school_year.split("-")) if school_year else ""


def _shift_months(months: str, k: int) -> str:
    # "2023-09" or "2021-01,2021-02"
    return ",".join(f"{int(m[:4]) + k}{m[4:]}" for m in months.split(",")) if months else ""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    manifest = corpus.build(out, 3)
    docs = {name: parse_file(out / name) for name in manifest}
    return out, manifest, docs


def test_a_3x_corpus_holds_the_samples_and_two_distinct_copies_of_each(built):
    out, manifest, docs = built
    assert len(manifest) == 15
    assert {n for n, m in manifest.items() if m["copy"] == 0} == {p.name for p in SAMPLES.iterdir()}
    # congvan replaces a stored document with the same file name, or the same issuer and number:
    # every copy must be neither.
    copies = {n: d for n, d in docs.items() if manifest[n]["copy"]}
    keys = [(d.metadata.issuer, d.metadata.number) for d in copies.values()]
    assert len(set(keys)) == len(keys) == 10
    for name, doc in copies.items():
        original = docs[manifest[name]["original"]]
        assert doc.metadata.issuer and doc.metadata.issuer != original.metadata.issuer
        assert (doc.metadata.issuer, doc.metadata.number) not in {(d.metadata.issuer, d.metadata.number)
                                                                    for n, d in docs.items() if manifest[n]["copy"] == 0}
        assert re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", name)
    # The folder ingests as it is: the manifest is hidden from `congvan ingest FOLDER`.
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(manifest)


def test_copies_keep_the_structure_and_shift_every_date_by_the_same_years(built):
    _, manifest, docs = built
    for name, info in manifest.items():
        if not info["copy"]:
            continue
        doc, original, k = docs[name], docs[info["original"]], info["year_shift"]
        assert [s.level for s in doc.sections] == [s.level for s in original.sections], name
        assert [s.month for s in doc.sections] == [_shift_months(s.month, k) for s in original.sections], name
        assert doc.metadata.school_year == _shift(original.metadata.school_year, k)
        assert abs(len(doc.chunks) - len(original.chunks)) <= 1  # names differ in length by a few letters
        if original.metadata.date:
            assert doc.metadata.date[:4] == str(int(original.metadata.date[:4]) + k)
            assert doc.metadata.date != original.metadata.date
    assert {m["year_shift"] for m in manifest.values() if m["copy"]} == {0, -1}


def test_every_name_is_replaced_in_title_and_upper_case_and_in_the_number(built):
    out, manifest, docs = built
    for name, info in manifest.items():
        if not info["copy"]:
            continue
        text = (out / name).read_text(encoding="utf-8")
        assert info["names"], name
        for old, new in info["names"].items():
            for form in (old, old.upper()):
                assert not re.search(rf"(?<![^\W\d_]){re.escape(form)}(?![^\W\d_])", text), (name, form)
            assert new in text or new.upper() in text
    sao_sang = next(n for n, m in manifest.items() if m["original"].startswith("002") and m["copy"] == 1)
    renamed = manifest[sao_sang]["names"]["Sao Sáng"]
    initials = "".join(w[0] for w in corpus._fold(renamed).upper().split())
    assert docs[sao_sang].metadata.number == f"{manifest[sao_sang]['number']}"
    assert docs[sao_sang].metadata.number.endswith(f"/KH-MN{initials}")
    assert docs[sao_sang].metadata.issuer == f"Trường MN {renamed}"
    assert docs[sao_sang].metadata.number != docs["002_41cb418bf7b8b292.txt"].metadata.number


DIRECTIVE = """UBND HUYỆN AN LÃO
TRƯỜNG MẦM NON SAO SÁNG
Số: 12/KH-MNSS
An Lão, ngày 05 tháng 9 năm 2023
KẾ HOẠCH
Thực hiện nhiệm vụ năm học 2023 - 2024
Căn cứ Thông tư số 13/2010/TT-BGDĐT ngày 15/4/2010 của Bộ GD&ĐT;
Thực hiện Công văn số 316/PGDĐT ngày 08/9/2023 của Phòng GD&ĐT huyện An Lão;
I. Nhiệm vụ
1. Chuyên đề giai đoạn 2021-2025; trường MN Sao Sáng và MN Quán Toan làm điểm.
* Tháng 2/2024
- Nộp báo cáo trước ngày 29/2/2024; kỷ niệm ngày 19/12/1946.
"""


def test_vary_shifts_the_directive_s_own_years_only_and_keeps_dates_valid():
    text, variation = corpus.vary(DIRECTIVE, "x.txt", 2)
    assert variation.year_shift == -1
    assert "năm học 2022 - 2023" in text and "* Tháng 2/2023" in text
    assert "trước ngày 28/2/2023" in text  # 2023 has no 29 February
    # A cited document keeps its number and date, a national period and history keep their years.
    assert "Thông tư số 13/2010/TT-BGDĐT ngày 15/4/2010" in text
    assert "316/PGDĐT ngày 08/9/2023" in text
    assert "giai đoạn 2021-2025" in text and "19/12/1946" in text
    assert set(variation.names) == {"An Lão", "Sao Sáng", "Quán Toan"}
    new = variation.names["Sao Sáng"]
    assert f"TRƯỜNG MẦM NON {new.upper()}" in text and f"trường MN {new}" in text
    assert re.search(rf"^{variation.names['An Lão']}, ngày \d\d tháng 9 năm 2022$", text, re.M)
    assert variation.issue_day != "05/9/2022"
    # The same copy number gives the same copy: corpora of every size share their copies.
    assert corpus.vary(DIRECTIVE, "x.txt", 2) == (text, variation)
    assert corpus.vary(DIRECTIVE, "x.txt", 1)[1].year_shift == 0
    assert corpus.vary(DIRECTIVE, "x.txt", 4)[1].year_shift == -2


def test_a_larger_corpus_contains_the_smaller_one(tmp_path):
    small, large = corpus.build(tmp_path / "a", 2), corpus.build(tmp_path / "b", 3)
    assert set(small) < set(large)
    for name in small:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


QUESTIONS = [
    {"id": "t1", "kind": "fact", "question": "Kiểm định chất lượng giáo dục lần 2 đối với trường nào?",
     "variants": ["Kiem dinh chat luong giao duc lan 2 doi voi truong nao?"],
     "gold": [{"doc": "000_5d0c6a5c099138e7.txt",
               "quote": "xây dựng trường chuẩn quốc gia lần 2 đối với Trường MN Bạch Đằng"}],
     "answer_any": ["Bạch Đằng"]},
    {"id": "t2", "kind": "deadline", "question": "Hội thi Giáo viên dạy giỏi cấp quận hoàn thành khi nào?",
     "variants": ["Hoi thi giao vien day gioi cap quan hoan thanh khi nao?"],
     "gold": [{"doc": "000_5d0c6a5c099138e7.txt", "quote": "Hoàn thành cuối tháng 10 và đầu tháng 11/2023"}],
     "answer_any": ["tháng 10"]},
    {"id": "t3", "kind": "none", "question": "Mức học phí của trẻ nhà trẻ là bao nhiêu?",
     "variants": ["Muc hoc phi cua tre nha tre la bao nhieu?"], "gold": [], "answer_any": []},
]


@pytest.mark.model
def test_the_comparison_runs_every_system_on_one_directive(tmp_path):
    from bench import compare

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "000_5d0c6a5c099138e7.txt").write_bytes((SAMPLES / "000_5d0c6a5c099138e7.txt").read_bytes())
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS), encoding="utf-8")

    results = compare.run(docs, str(questions), passes=1, log=lambda m: None)

    assert set(results) == set(compare.SYSTEMS)
    for system, r in results.items():
        assert r["latency_ms"]["asks"] == 6 and r["latency_ms"]["p50"] > 0, system
        assert r["serve_peak_rss_mb"] > 20, system
        assert r["quality"]["accented"]["n"] == 3
        # Both questions name words of their passage: a system that misses both is mis-scored.
        assert r["quality"]["accented"]["hit@5"] >= 0.5, system
    for baseline in ("langchain", "bm25", "dense"):
        assert results[baseline]["quality"]["accented"]["abstained_on_none"] == 0.0  # they always answer
    assert results["congvan"]["quality"]["accented"]["abstained_on_none"] == 1.0
    assert results["bm25"]["quality"]["accented"]["hit@1"] == 1.0
    # The recipe cuts 1000-character windows; congvan cuts at the document's own structure.
    assert 0 < results["langchain"]["ingest"]["chunks"] < results["congvan"]["ingest"]["chunks"] == 26
    assert results["congvan"]["ingest"]["stages_s"]["embedding"] > 0
    assert results["congvan"]["index_bytes"] > 0 and results["langchain"]["index_bytes"] > 0
    # Without a model the keyword-only process is smaller than any process that loads one.
    assert results["bm25"]["serve_peak_rss_mb"] < min(results[s]["serve_peak_rss_mb"]
                                                      for s in ("congvan", "langchain", "dense"))

    meta = {"command": "c", "env": {"commit": "x", "cpus": 2, "loadavg_1m_before": 0}, "corpus": str(docs),
            "questions": str(questions), "passes": 1, "wall_s": 1.0}
    table = compare.markdown(results, meta)
    assert all(label in table for label in compare.LABELS.values())
    compare.chart(results, tmp_path / "compare.png")
    assert (tmp_path / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def small_home(tmp_path):
    from bot.core.api import Congvan

    from .conftest import HashEmbedder

    home = tmp_path / "home"
    Congvan(home, embedder=HashEmbedder()).ingest([SAMPLES])
    return home


def test_the_burst_asks_through_the_chat_layer_each_chat_with_its_own_unit(small_home):
    from bench.burst import burst
    from bench.common import QUESTIONS
    from bot.chat.store import ChatKey, ChatStore

    from .conftest import HashEmbedder

    result = burst(str(small_home), str(QUESTIONS), chats=4, asks=10, via="chat", embedder=HashEmbedder())
    assert result["asks"] == 10 and result["error_count"] == 0 and result["units"] == 4
    assert result["latency_ms"]["p95"] <= result["last_answer_s"] * 1000
    chats = ChatStore(small_home / "congvan.db")
    units = {chats.chat(ChatKey("bench", str(i)))["unit"] for i in range(1, 5)}
    assert len(units) == 4 and None not in units
    # Every answer was saved for its buttons, in the chat that asked it: 10 dealt to 4 chats in turn.
    saved = [row["chat_id"] for row in chats.db["answers"].rows_where("channel = 'bench'")]
    assert sorted(saved.count(str(i)) for i in range(1, 5)) == [2, 2, 3, 3]


@pytest.mark.telegram
def test_the_burst_through_the_telegram_application_waits_for_every_answer(small_home):
    from bench.burst import burst
    from bench.common import QUESTIONS

    from .conftest import HashEmbedder

    result = burst(str(small_home), str(QUESTIONS), chats=3, asks=6, via="telegram", embedder=HashEmbedder())
    assert result["asks"] == 6 and result["error_count"] == 0, result["errors"]


def test_any_copy_scoring_reads_a_copy_s_passage_and_answer_with_the_sample_s_names(tmp_path):
    from bench.common import measure_asks

    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(QUESTIONS[0], ensure_ascii=False), encoding="utf-8")
    sample = "000_5d0c6a5c099138e7.txt"
    copy_quote = "xây dựng trường chuẩn quốc gia lần 2 đối với Trường MN Minh Hà"

    def ask(text):  # another district's copy answers, naming its own school
        return {"answer": "Trường MN Minh Hà.", "abstained": False, "confidence": "high",
                "citations": [{"file": "copy.txt", "quote": copy_quote}]}, 1.0

    renamed = measure_asks(ask, str(questions), 1, origin_of={"copy.txt": {"original": sample,
                                                                           "names": {"Bạch Đằng": "Minh Hà"}}})
    assert renamed["quality"]["accented"]["hit@1"] == 0.0  # strict: not the gold file
    assert renamed["quality_any_copy"]["accented"]["hit@1"] == 1.0
    assert renamed["quality_any_copy"]["accented"]["answered"] == 1.0
    # A copy that names a school its sample does not is still wrong.
    other = measure_asks(ask, str(questions), 1, origin_of={"copy.txt": {"original": sample,
                                                                         "names": {"Bạch Đằng": "Ngọc Lâm"}}})
    assert other["quality_any_copy"]["accented"]["answered"] == 0.0


def test_a_larger_size_is_ingested_with_vectors_borrowed_from_the_embedded_one_and_no_model(tmp_path):
    import numpy as np

    from bench.growth import Borrowed, congvan_ingest_borrowed
    from bot.core.api import Congvan
    from index.store import Store

    from .conftest import HashEmbedder
    from .directives import write_txt

    source = tmp_path / "embedded"
    Congvan(source, embedder=HashEmbedder()).ingest([write_txt(tmp_path / "hoa-mai.txt")])
    copies = tmp_path / "copies"
    copies.mkdir()
    write_txt(copies / "hoa-mai.txt")
    write_txt(copies / "binh-minh.txt", school="BÌNH MINH", number="12/KH-MNBM", deadline="20/12/2024")
    result = congvan_ingest_borrowed(str(copies), str(tmp_path / "home"), str(source))
    assert result["documents"] == 2 and result["borrowed"]["same text"] > 0
    assert result["borrowed"]["same words but names and numbers"] > 0  # Bình Minh's renamed, re-dated passages
    # Each passage of the copy carries the vector of its original: its neighbours are found as they were.
    home, embedded = Store(tmp_path / "home"), Store(source)
    vectors = home.vectors()
    original = embedded.db.execute("select id from chunks where text like '%hội thi bé khỏe%'").fetchone()[0]
    copy = home.db.execute("select c.id from chunks c join documents d on d.id = c.document_id"
                           " where c.text like '%hội thi bé khỏe%' and d.file_name = 'binh-minh.txt'").fetchone()[0]
    assert np.allclose(vectors.cosines(embedded.vectors()._index.reconstruct(original), [copy])[copy], 1.0, atol=1e-3)
    with pytest.raises(RuntimeError):
        Borrowed(str(source)).query("khi nào")


def test_a_fact_table_check_tells_right_from_empty_from_wrong(tmp_path, capsys):
    # bench/facts.py: what the README's metadata figures for directives outside the repo come from.
    import sys
    from bench import facts

    (tmp_path / "cv.txt").write_text("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN HOA SEN\nSố: 12/PGDĐT\n"
                                     "Hoa Sen, ngày 3 tháng 10 năm 2025\nV/v kiểm tra\n", encoding="utf-8")
    table = {"cv.txt": {"issuer": "Phòng GD&ĐT quận Hoa Sen", "number": "12/PGDĐT", "date": "2025-10-03",
                        "kind": "quyết định", "school_year": "2025-2026"}}
    (tmp_path / "facts.json").write_text(json.dumps(table), encoding="utf-8")
    sys.argv = ["facts.py", str(tmp_path / "facts.json"), str(tmp_path)]
    facts.main()
    out = capsys.readouterr().out
    assert "number       right 1, empty 0, wrong 0" in out
    assert "kind         right 0, empty 0, wrong 1" in out  # read "công văn" from its V/v line
    assert "school_year  right 0, empty 1, wrong 0" in out
