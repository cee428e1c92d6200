"""What keeps questions fast in a large library: the keyword stage searches the rarest words once
the library is large, and word statistics are counted at ingest, not by the first question."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bot.core.api import Congvan
from bot.core.query import understand
from bot.core.search import _match_expression

from .conftest import ROOT
from .directives import write_txt

pytestmark = pytest.mark.model  # libraries ingested with the bundled model


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("files")
    for i, school in enumerate(("HOA MAI", "SAO SÁNG", "BÌNH MINH")):
        path = write_txt(folder / f"ke-hoach-{i}.txt", school=school, number=f"{40 + i}/KH-MN")
        if i == 1:
            path.write_text(path.read_text(encoding="utf-8")
                            + "\n3. Trẻ lớp lá được học bơi lội tại hồ bơi của phường.\n", encoding="utf-8")
    home = tmp_path_factory.mktemp("home")
    results = Congvan(home).ingest([folder])
    assert [r.action for r in results] == ["added"] * 3
    return home


def _record_keyword_queries(cv: Congvan, monkeypatch) -> tuple[list[str], object]:
    """The FTS5 match expressions search sends, and the store's own keyword search."""
    searched: list[str] = []
    keyword_search = cv.store.keyword_search
    monkeypatch.setattr(cv.store, "keyword_search", lambda match, limit: searched.append(match) or keyword_search(match, limit))
    return searched, keyword_search


def test_past_the_postings_budget_fts5_finds_passages_by_the_rarest_words_and_every_word_ranks_them(
        library, monkeypatch):
    import bot.core.search
    monkeypatch.setattr(bot.core.search, "KEYWORD_POSTINGS", 4)  # bơi, lội, học bơi, bơi lội: one chunk each
    cv = Congvan(library)
    searched, keyword_search = _record_keyword_queries(cv, monkeypatch)
    searcher = cv._search()
    query = understand("kế hoạch năm học cho trẻ học bơi lội", searcher.restorer())
    best = searcher.search(query, k=3)[0]
    assert '"boi loi"' in searched[0]
    assert '"ke hoach"' not in searched[0] and '"nam hoc"' not in searched[0]  # in every chunk's context
    assert "bơi lội" in best.row["text"] and best.keyword == 1.0
    assert best.coverage > 0
    # The second stage scores the shortlist by every word, as one FTS5 query over all would.
    full = dict(keyword_search(_match_expression(query), 60))
    two_stage, _ = searcher._keyword(query)
    assert max(two_stage, key=two_stage.get) == max(full, key=full.get)


def test_a_small_library_is_searched_in_one_query_over_every_word(library, monkeypatch):
    cv = Congvan(library)
    searched, keyword_search = _record_keyword_queries(cv, monkeypatch)
    searcher = cv._search()
    query = understand("kế hoạch năm học cho trẻ học bơi lội", searcher.restorer())
    searcher.search(query)
    assert searched == [_match_expression(query)]


def test_passages_found_by_their_words_keep_their_cosine_beyond_the_nearest_the_dense_stage_scores(
        library, monkeypatch):
    import bot.core.search
    monkeypatch.setattr(bot.core.search, "NEAREST", 1)  # as a province's library leaves most chunks past it
    searcher = Congvan(library)._search()
    hits = searcher.search(understand("trẻ học bơi lội tại hồ bơi của phường", searcher.restorer()), k=5)
    assert "bơi lội" in hits[0].row["text"]
    # Every passage is scored by what it says, not 0 for lying past the nearest one.
    assert all(h.dense > 0.5 for h in hits)


def test_word_statistics_are_current_in_a_new_process_right_after_ingest(tmp_path):
    home = tmp_path / "home"
    plan = write_txt(tmp_path / "ke-hoach.txt")
    colour = tmp_path / "to-mau.txt"
    colour.write_text(plan.read_text(encoding="utf-8").replace("45/KH-MNHM", "46/KH-MNHM")
                      + "\n4. Tô màu tranh, tô màu tranh, tô màu tranh cho trẻ lớp lá.\n", encoding="utf-8")
    Congvan(home).ingest([plan])
    Congvan(home).ingest_file(colour)  # one upload, as the bot receives it
    # A new process restores from the saved counts without reading a single chunk to count.
    script = (
        "import sys\n"
        "from bot.core.api import Congvan\n"
        "from index.store import Store\n"
        "read = []\n"
        "original = Store.chunk_texts\n"
        "def counting(self, ids=None):\n"
        "    found = original(self, ids)\n"
        "    read.extend(found)\n"
        "    return found\n"
        "Store.chunk_texts = counting\n"
        "print(Congvan(sys.argv[1]).restore('to mau tranh'), len(read))\n")
    done = subprocess.run([sys.executable, "-c", script, str(home)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["tô", "màu", "tranh", "0"]


def test_a_new_process_s_first_question_reads_the_saved_counts_without_writing_them_again(library, monkeypatch):
    import bot.core.search

    Congvan(library).restore("ke hoach")  # counts current and saved
    monkeypatch.setattr(bot.core.search, "SAVE_COUNTS_AFTER", 0.0)  # as if loading them took long
    saved = []
    monkeypatch.setattr(bot.core.search.Searcher, "_save_counts", lambda self: saved.append(1))
    assert Congvan(library).restore("ke hoach") == "kế hoạch"
    assert saved == []


def test_a_chunk_s_words_are_made_from_its_text_when_asked_for_and_uncounted_by_its_text():
    import pickle

    from index.vocabulary import Vocabulary

    texts = {1: "Trẻ học bơi lội tại hồ bơi", 2: "Khám sức khỏe cho trẻ"}
    vocabulary = Vocabulary(list(texts.items()), {}, texts.get)
    assert vocabulary.size == 2 and vocabulary.chunks_with("~tre") == 2
    swimming = vocabulary.weigh(["bơi", "lội"])
    assert vocabulary.coverage(swimming, 1) == 1.0 and vocabulary.coverage(swimming, 2) == 0.0
    saved = pickle.loads(pickle.dumps(vocabulary))  # as the next process loads it: no texts yet
    assert saved.keys.get(1) is None
    saved.text_of = texts.get
    assert saved.keys.get(1).tolist() == vocabulary.keys.get(1).tolist()
    saved.remove(1, texts[1])
    assert saved.size == 1 and saved.chunks_with("~boi") == 0 and saved.chunks_with("~tre") == 1


def test_a_counted_chunk_s_coverage_from_its_kept_words_is_that_of_its_text():
    # Search judges its passages from their kept word numbers (made once from the row's text,
    # nothing read from the store) and must judge them as the text itself would be judged.
    from index.vocabulary import Vocabulary

    texts = {1: "Hạn nộp hồ sơ tuyển sinh vào lớp 1 trước ngày 15/7", 2: "Nộp báo cáo về Phòng GDĐT"}
    vocabulary = Vocabulary(list(texts.items()), {"gdđt": "giáo dục và đào tạo"}, lambda chunk_id: None)
    asked = (["hạn", "nộp", "hồ", "sơ"], ["han", "nop", "", "ho", "so"], ["nộp", "bao", "cao", "giáo", "dục"],
             ["nop", "hồ", "sơ", "", "phòng"], ["bơi"])
    for words in map(vocabulary.weigh, asked):
        for chunk_id, text in texts.items():
            assert vocabulary.coverage(words, chunk_id, text) == vocabulary.text_coverage(words, text)
    assert vocabulary.coverage(vocabulary.weigh(["hạn", "nộp"]), 1, texts[1]) == 1.0
    assert vocabulary.coverage(vocabulary.weigh(["bơi"]), 1, texts[1]) == 0.0
    assert 0 < vocabulary.coverage(vocabulary.weigh(["nộp", "bao", "cao", "giáo", "dục"]), 2, texts[2]) < 1


# Other districts' schools, as a province's library holds their copies of one plan.
_SCHOOLS = ("AN BÌNH", "BÌNH MINH", "CẨM HÀ", "DIÊN KHÁNH", "GIA LỘC", "HẢI HÒA", "HƯƠNG SƠN", "KIM ĐỨC",
            "LẠC HƯNG", "LÂM SƠN", "MINH KHÁNH", "NGỌC LÂM", "PHÚ LỘC", "QUANG TRUNG", "TÂN PHÚ", "THANH XUÂN",
            "THUẬN AN", "TIÊN DU", "TRUNG HÒA", "VĨNH PHÚC", "XUÂN MAI", "YÊN THỊNH", "THÁI HÀ", "VĂN LÂM")


def test_copies_of_the_answer_s_passage_from_other_districts_do_not_make_the_answer_unsure(tmp_path):
    question = "Khi nào nộp danh sách đăng ký hội thi bé khỏe bé ngoan?"
    alone, copies = tmp_path / "alone", tmp_path / "copies"
    alone.mkdir(), copies.mkdir()
    write_txt(alone / "hoa-mai.txt")
    write_txt(copies / "hoa-mai.txt")
    for i, school in enumerate(_SCHOOLS):
        write_txt(copies / f"ke-hoach-{i}.txt", school=school, number=f"{50 + i}/KH-MN",
                  deadline=f"{10 + i % 15}/12/2024")
    answers = []
    for folder in (alone, copies):
        cv = Congvan(tmp_path / f"home-{folder.name}")
        cv.ingest([folder])
        answers.append(cv.ask(question))
    one, many = answers
    assert not one.abstained and not many.abstained
    assert many.confidence == one.confidence
    # The lead still stands out from the passages that say something else, as it did alone,
    # although its 24 copies fill every place of the ranked list.
    assert many.signals["cosine_lead"] == pytest.approx(one.signals["cosine_lead"], abs=0.005)
    assert many.signals["cosine_lead"] > 0
