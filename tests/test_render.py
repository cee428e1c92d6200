"""An answer's data rendered per output format: plain text (CLI, text-only chats) and Telegram HTML."""
import unicodedata

import pytest

import prompts
from bot.channels.telegram_html import answer_html
from bot.chat.render import split_blocks, text_messages, units
from bot.core.answer import Agenda, AgendaGroup, AgendaTask, Answer, Citation, Lead, Reading
from bot.core.api import Congvan


def citation(i: int, sentence: str, **labels) -> Citation:
    return Citation(doc_id=i, file=f"{i}.txt", title=f"Kế hoạch số {i}/KH-MN", issuer="Phòng GD&ĐT An Lão",
                    number=f"{i}/KH-MN", date="2023-09-05", section=f"II > Tháng 12 > mục {i}", quote=sentence,
                    start=0, end=len(sentence), score=1.0, sentence=sentence, school_year="2023-2024", **labels)


def lead(i: int, facts: list[str], **fields) -> Lead:
    return Lead(citation=i, doc_id=i + 1, issuer="Phòng GD&ĐT An Lão", title="Kế hoạch", unit="",
                school_year="2023-2024", sentence="Nộp báo cáo <tổng hợp> trước ngày 15/12", kind="when",
                facts=facts, **fields)


def test_both_formats_say_the_same_from_the_same_data():
    answer = Answer(question="bc hk1 nop khi nao", abstained=False,
                    searched=Reading("báo cáo học kỳ 1 nộp khi nào", shown=True, alternative="bão cáo"),
                    leads=[lead(0, ["trước ngày 15/12"], due="2023-12-15"),
                           lead(1, ["trước ngày 20/12"], old_year=True)],
                    citations=[citation(1, "Nộp báo cáo <tổng hợp> trước ngày 15/12"),
                               citation(2, "Nộp trước ngày 20/12", superseded_by="Kế hoạch số 9/KH")])
    text = prompts.render("text", "answer", answer=answer)
    assert text.split("\n")[:4] == [
        "Tìm: báo cáo học kỳ 1 nộp khi nào (hoặc: bão cáo)",
        "Các văn bản trả lời khác nhau, tùy đơn vị:",
        "• Trước ngày 15/12 (15/12/2023) — Phòng GD&ĐT An Lão (năm học 2023-2024)",
        "• Trước ngày 20/12 — Phòng GD&ĐT An Lão (năm học 2023-2024, năm học cũ)"]
    assert ("[2] Kế hoạch số 2/KH-MN · Phòng GD&ĐT An Lão · ngày 5/9/2023 · đã có văn bản thay thế: Kế hoạch số 9/KH"
            in text)
    html = answer_html(answer)
    assert html.startswith("<i>Tìm: báo cáo học kỳ 1 nộp khi nào (hoặc: bão cáo)</i>\n"
                           "<b>Các văn bản trả lời khác nhau, tùy đơn vị:</b>\n"
                           "<b>• Trước ngày 15/12 (15/12/2023) — Phòng GD&amp;ĐT An Lão (năm học 2023-2024)</b>")
    assert "<i>«Nộp báo cáo &lt;tổng hợp&gt; trước ngày 15/12»</i>" in html  # the document's "<" is text
    assert "· <i>đã có văn bản thay thế: Kế hoạch số 9/KH</i>" in html


def test_documents_that_agree_are_one_lead_and_nothing_found_cites_nothing():
    answer = Answer(question="q", abstained=True, confidence="none", documents=5)
    for rendered in (prompts.render("text", "answer", answer=answer), answer_html(answer)):
        assert rendered.startswith("Không tìm thấy nội dung trả lời câu hỏi này trong các văn bản đã nạp (5 văn bản).")
        assert "Nguồn" not in rendered and "<b>" not in rendered


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown output format"):
        prompts.render("zalo-html", "answer", answer=Answer(question="q", abstained=True))


def test_chat_messages_keep_each_source_whole_under_the_limit_counted_after_nfc():
    # Decomposed text (as some keyboards send it) counts by its composed characters.
    sentence = unicodedata.normalize("NFD", "Tổng hợp số liệu thống kê phổ cập giáo dục mầm non; ") * 6
    answer = Answer(question="q", abstained=False, leads=[lead(0, ["trước ngày 15/12"])],
                    citations=[citation(i, sentence.strip()) for i in range(1, 8)])
    messages = text_messages(answer, limit=800)
    assert len(messages) >= 3
    assert all(units(m) <= 800 and m == unicodedata.normalize("NFC", m) for m in messages)
    assert messages[0].startswith("Trước ngày 15/12 — theo Phòng GD&ĐT An Lão") and "Nguồn:" in messages[0]
    for i in range(1, 8):  # each source in exactly one message, whole
        holding = [m for m in messages if f"[{i}] Kế hoạch số {i}/KH-MN" in m]
        assert len(holding) == 1 and holding[0].count("phổ cập giáo dục mầm non") == 6
    whole = "\n\n".join(messages)  # the whole answer arrives, in order
    assert [whole.index(f"[{i}] ") for i in range(1, 8)] == sorted(whole.index(f"[{i}] ") for i in range(1, 8))


def test_a_source_longer_than_a_message_is_cut_at_spaces_and_loses_nothing():
    words = [f"việc{i}" for i in range(600)]
    messages = split_blocks(["Lead", "[1] " + " ".join(words), "[2] ngắn"], limit=300)
    assert all(len(m) <= 300 for m in messages)
    assert " ".join(messages).split() == ["Lead", "[1]", *words, "[2]", "ngắn"]
    assert split_blocks(["📚" * 5], limit=4) == ["📚📚", "📚📚", "📚"]  # an emoji counts two units
    assert messages[-1].endswith("[2] ngắn")


def test_a_months_tasks_split_between_issuers():
    groups = [AgendaGroup(doc_id=i, issuer=f"Trường MN số {i}", title="Kế hoạch tháng", school_year="2023-2024",
                          in_unit=False, tasks=[AgendaTask(f"Việc {i}.{j} " + "chuẩn bị hồ sơ " * 10, "trước 15/12/2023")
                                                for j in range(5)]) for i in range(1, 4)]
    answer = Answer(question="tháng 12 có việc gì", abstained=False,
                    agenda=Agenda(month="2023-12", unit="", count=15, groups=groups))
    text = prompts.render("text", "answer", answer=answer)
    assert text.startswith("Tháng 12/2023 có 15 việc:\n\nTrường MN số 1 (năm học 2023-2024) — Kế hoạch tháng\n• Việc 1.0")
    messages = text_messages(answer, limit=1000)
    assert len(messages) == 3 and messages[0].startswith("Tháng 12/2023 có 15 việc:")
    for i in range(1, 4):
        assert [m for m in messages if f"Trường MN số {i} " in m][0].count(f"• Việc {i}.") == 5


def test_a_real_answer_reads_the_same_in_every_format(loaded_home):
    answer = Congvan(loaded_home).ask("Khi nào cân đo lần 2?")
    text = prompts.render("text", "answer", answer=answer)
    messages = text_messages(answer, limit=1200)
    # The same lines as the CLI's, with a blank line between sources, cut between two of them.
    assert len(messages) >= 2 and all(len(m) <= 1200 for m in messages)
    assert "\n\n".join(messages).replace("\n\n[", "\n[") == text
    html = answer_html(answer)
    for c in answer.citations:
        assert c.title.replace("&", "&amp;") in html and c.title in text
    for item in answer.leads:
        assert item.issuer in text
