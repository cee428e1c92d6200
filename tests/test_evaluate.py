import json
import math
import unicodedata
from pathlib import Path

import pytest
from rich.console import Console

from bot.channels.eval_table import format_report
from bot.core.evaluate import (
    citation_hits,
    evaluate_file,
    load_questions,
    normalise,
    percentile,
    report_json,
    run_eval,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
QUESTIONS_FILE = SHARED / "eval" / "seed_questions.jsonl"
SEEDS = SHARED / "corpus" / "seeds"
if not (QUESTIONS_FILE.is_file() and SEEDS.is_dir()):
    pytest.skip("the shared question sets are not beside the repository", allow_module_level=True)
QUESTIONS = load_questions(QUESTIONS_FILE)
SEED_FILES = sorted(p.name for p in SEEDS.iterdir())


def _surrounding_sentence(doc: str, quote: str) -> str:
    text = normalise((SEEDS / doc).read_text(encoding="utf-8"))
    start = text.index(normalise(quote))
    end = start + len(normalise(quote))
    sentence_start = text.rfind(". ", 0, start) + 2 if text.rfind(". ", 0, start) >= 0 else 0
    sentence_end = text.find(".", end)
    return text[sentence_start : sentence_end + 1 if sentence_end >= 0 else len(text)]


def _citation(file: str, quote: str) -> dict:
    return {"doc_id": 1, "file": file, "title": "", "issuer": "", "number": "", "date": "",
            "section": "", "quote": quote, "start": 0, "end": len(quote), "score": 1.0}


def _response(question: str, answer: str, citations: list[dict], abstained: bool = False,
              latency_ms: float = 10.0) -> dict:
    return {"question": question, "answer": answer, "abstained": abstained,
            "citations": citations, "latency_ms": latency_ms}


def _asker(respond):
    """An ask() that finds the question a text belongs to, as the real pipeline would see only the text."""
    by_text = {t: q for q in QUESTIONS for t in [q["question"], *q["variants"]]}

    def ask(text):
        return respond(by_text[text], text)

    return ask


def _oracle(question, text):
    if question["kind"] == "none":
        return _response(text, "Không tìm thấy thông tin trong các văn bản.", [], abstained=True)
    citations = [_citation(g["doc"], _surrounding_sentence(g["doc"], g["quote"])) for g in question["gold"]]
    return _response(text, f"Theo văn bản: {question['answer_any'][0]}.", citations)


def _gold_question(min_words: int) -> tuple[dict, dict]:
    for question in QUESTIONS:
        for gold in question["gold"]:
            if len(gold["quote"].split()) >= min_words:
                return question, gold
    raise AssertionError("no gold quote long enough")


def test_oracle_scores_perfectly_on_every_variant():
    report = run_eval(_asker(_oracle), QUESTIONS)
    assert len(report["items"]) == sum(1 + len(q["variants"]) for q in QUESTIONS)
    assert set(report["by_variant"]) == {"accented", "unaccented", "chat"}
    for key in ("hit@1", "hit@3", "hit@5", "mrr@10", "answered_correctly"):
        assert report["overall"][key] == 1.0
    assert report["by_kind"]["none"]["hit@1"] is None
    assert report["by_kind"]["none"]["abstention_rate"] == 1.0
    assert report["by_kind"]["fact"]["abstention_rate"] == 0.0
    assert report["by_kind_variant"]["deadline"]["unaccented"]["hit@1"] == 1.0
    # whole sentences around the gold quotes, so these hits test containment, not equality
    assert all(len(c["quote"]) > len(g["quote"])
               for q in QUESTIONS for c, g in zip(_oracle(q, q["question"])["citations"], q["gold"]))


def test_citing_the_wrong_file_never_hits():
    def wrong_file(question, text):
        response = _oracle(question, text)
        gold_docs = {g["doc"] for g in question["gold"]}
        for citation in response["citations"]:
            citation["file"] = next(f for f in SEED_FILES if f not in gold_docs)
        return response

    report = run_eval(_asker(wrong_file), QUESTIONS)
    answerable = [item for item in report["items"] if item["kind"] != "none"]
    assert all(item["hit_rank"] is None and not item["answered_correctly"] for item in answerable)
    assert report["overall"]["hit@5"] == 0.0


def test_answer_without_expected_text_is_not_correct_even_with_a_hit():
    def vague(question, text):
        response = _oracle(question, text)
        if question["kind"] != "none":
            response["answer"] = "Xem văn bản đính kèm."
        return response

    report = run_eval(_asker(vague), QUESTIONS)
    assert report["by_kind"]["fact"]["hit@1"] == 1.0
    assert report["by_kind"]["fact"]["answered_correctly"] == 0.0


def test_expected_text_matches_case_and_whitespace_insensitively():
    question = next(q for q in QUESTIONS if q["id"] == "s10")  # answer_any: "Quán Toan"
    gold = question["gold"][0]

    def ask(text):
        return _response(text, "Trường MN  QUÁN\nTOAN làm điểm.", [_citation(gold["doc"], gold["quote"])])

    assert run_eval(ask, [question])["overall"]["answered_correctly"] == 1.0


def test_quote_differing_only_in_whitespace_and_unicode_form_hits():
    _, gold = _gold_question(10)
    decomposed = unicodedata.normalize("NFD", gold["quote"]).replace(" ", "\n  ", 3)
    assert decomposed != gold["quote"]
    assert citation_hits(_citation(gold["doc"], decomposed), gold)


def test_word_coverage_threshold_and_order():
    _, gold = _gold_question(20)
    words = gold["quote"].split()

    def keep(fraction):
        kept = math.ceil(fraction * len(words))
        return " ".join(words[:kept - 1] + words[-1:])  # drops words from the middle, order kept

    assert not citation_hits(_citation(gold["doc"], gold["quote"]), {**gold, "doc": "other.txt"})
    assert citation_hits(_citation(gold["doc"], keep(0.85)), gold)
    assert not citation_hits(_citation(gold["doc"], keep(0.6)), gold)
    interleaved = " ".join(f"{w}, THÊM" if i % 3 == 2 else w.upper() for i, w in enumerate(words))
    assert citation_hits(_citation(gold["doc"], f"Phần trước. {interleaved} Phần sau."), gold)
    half = len(words) // 2
    swapped = " ".join(words[half:] + words[:half])  # every word present, order broken
    assert not citation_hits(_citation(gold["doc"], swapped), gold)


def test_none_question_is_correct_only_when_abstaining_without_citations():
    question = next(q for q in QUESTIONS if q["kind"] == "none")
    doc = SEED_FILES[0]
    cases = [
        (True, [], True),
        (True, [_citation(doc, "Một đoạn bất kỳ.")], False),
        (False, [], False),
    ]
    for abstained, citations, expected in cases:
        def ask(text):
            return _response(text, "Không tìm thấy.", citations, abstained=abstained)

        report = run_eval(ask, [question])
        assert report["overall"]["answered_correctly"] == (1.0 if expected else 0.0), (abstained, citations)
        assert report["overall"]["hit@1"] is None


def test_abstaining_on_answerable_question_is_wrong_and_counted():
    question, gold = _gold_question(10)

    def ask(text):
        answer = f"Không tìm thấy. {question['answer_any'][0]}"
        return _response(text, answer, [_citation(gold["doc"], gold["quote"])], abstained=True)

    report = run_eval(ask, [question])
    assert report["overall"]["answered_correctly"] == 0.0
    assert report["by_kind"][question["kind"]]["abstention_rate"] == 1.0


def test_hit_at_rank_three():
    question, gold = _gold_question(10)
    miss = _citation(gold["doc"], "Nội dung không liên quan.")

    def ask(text):
        return _response(text, question["answer_any"][0], [miss, miss, _citation(gold["doc"], gold["quote"])])

    report = run_eval(ask, [question])
    assert {item["hit_rank"] for item in report["items"]} == {3}
    overall = report["overall"]
    assert (overall["hit@1"], overall["hit@3"], overall["hit@5"]) == (0.0, 1.0, 1.0)
    assert overall["mrr@10"] == pytest.approx(1 / 3)


def test_hit_beyond_rank_ten_adds_nothing_to_mrr():
    question, gold = _gold_question(10)
    miss = _citation(gold["doc"], "Nội dung không liên quan.")

    def ask(text):
        return _response(text, question["answer_any"][0], [miss] * 10 + [_citation(gold["doc"], gold["quote"])])

    report = run_eval(ask, [question])
    assert report["overall"]["mrr@10"] == 0.0
    assert report["overall"]["answered_correctly"] == 1.0


def test_percentile_nearest_rank():
    values = [float(v) for v in range(10, 0, -1)]
    assert percentile(values, 50) == 5.0
    assert percentile(values, 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_latency_percentiles_come_from_responses():
    latencies = iter(float(v) for v in range(1, 101))

    def ask(text):
        return _response(text, "", [], abstained=True, latency_ms=next(latencies))

    questions = [{**QUESTIONS[0], "variants": []} for _ in range(100)]
    report = run_eval(ask, questions)
    assert report["latency_ms"] == {"p50": 50.0, "p95": 95.0}


def test_bad_line_names_its_line_number(tmp_path):
    good = json.dumps(QUESTIONS[0], ensure_ascii=False)
    path = tmp_path / "q.jsonl"
    path.write_text(f"{good}\n\n{{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"):
        load_questions(path)
    path.write_text(f"{good}\n{json.dumps({'id': 'x'})}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2.*kind"):
        load_questions(path)


def test_report_outputs():
    report = evaluate_file(_asker(_oracle), QUESTIONS_FILE, with_items=True)
    console = Console(record=True, width=120)
    console.print(format_report(report))
    text = console.export_text()
    for label in ("overall", "accented", "unaccented", "chat", "deadline", "none", "latency p50 10 ms"):
        assert label in text
    assert "items" not in json.loads(report_json(report))
    assert len(json.loads(report_json(report, with_items=True))["items"]) == len(report["items"])
    assert "items" not in evaluate_file(_asker(_oracle), QUESTIONS_FILE)


def test_recall_counts_what_search_found_even_when_the_answer_cites_nothing():
    """Recall@k reads the passages search ranked; hit@k only the answer's citations."""
    filler = [_citation("other.txt", "unrelated passage") for _ in range(6)]

    def found_seventh(question, text):
        if question["kind"] == "none":
            return _response(text, "Không tìm thấy.", [], abstained=True)
        gold = question["gold"][0]
        response = _response(text, "Không tìm thấy.", [], abstained=True)
        response["retrieved"] = filler + [_citation(gold["doc"], gold["quote"])]
        return response

    report = evaluate_file(_asker(found_seventh), QUESTIONS_FILE)
    overall = report["overall"]
    assert (overall["recall@5"], overall["recall@10"], overall["recall@20"]) == (0.0, 1.0, 1.0)
    assert overall["hit@5"] == 0.0 and overall["answered_correctly"] < 0.1
    assert overall["abstains_on_none"] == 1.0


def test_recall_is_not_reported_when_the_asker_gives_no_ranking():
    report = evaluate_file(_asker(_oracle), QUESTIONS_FILE)
    assert report["overall"]["recall@5"] is None
    assert report["overall"]["hit@1"] == 1.0


def test_several_sets_side_by_side():
    report = evaluate_file(_asker(_oracle), QUESTIONS_FILE)
    console = Console(record=True, width=160)
    console.print(format_report({"seed": report, "again": report}))
    text = console.export_text()
    for label in ("seed · overall", "again · chat", "R@10", "none✓", "again · latency p50"):
        assert label in text


def test_table_cell_bars_are_not_words():
    """A crawled table's gold quote keeps its "|" cell marks; a citation of the same cells read as
    tab-separated text still covers the quote's words."""
    gold = {"doc": "bang.md", "quote": "| Bữa trưa | 35.000 đồng/ngày |"}
    assert citation_hits({"file": "bang.md", "quote": "Bữa trưa\t35.000 đồng/ngày"}, gold)
    # A bar stuck to a cell's text, as Word tables come out of some converters: "…|Đồng/trẻ/ngày |17,000".
    glued = {"doc": "bang.doc", "quote": "Tiền ăn|Đồng/trẻ/ngày |17,000"}
    assert citation_hits({"file": "bang.doc", "quote": "Tiền ăn Đồng/trẻ/ngày 17,000"}, glued)


def test_fact_first_needs_the_fact_in_the_answers_own_lines_not_only_in_a_cited_source():
    question = next(q for q in QUESTIONS if q["id"] == "s10")  # answer_any: "Quán Toan"
    gold = question["gold"][0]

    def ask(text, lead_sentence):
        response = _response(text, f"{lead_sentence}\\n\\nNguồn:\\n[1] «{gold['quote']}»", [_citation(gold["doc"], gold["quote"])])
        response["leads"] = [{"facts": [], "sentence": lead_sentence}]
        return response

    in_lead = run_eval(lambda text: ask(text, "Tổ chức tại trường MN Quán Toan."), [question])["overall"]
    in_source_only = run_eval(lambda text: ask(text, "Tổ chức kiến tập cấp quận."), [question])["overall"]
    assert (in_lead["answered_correctly"], in_lead["fact_first"]) == (1.0, 1.0)
    assert in_source_only["fact_first"] == 0.0
