"""Diacritic restoration that a person typing the question would notice: an accented question is
read as typed, a frequent phrase beats a rare accident, old and new tone placement are one word."""
from bot.core.lexicon import GENERAL_WORDS
from bot.core.query import understand
from index.fold import fold, tone_normalized
from index.restore import Restorer

# The corpus writes "bảo" and "xã" far more often than "bao" and "xa", as legal texts do.
LAWS = (["Ủy ban nhân dân xã bảo đảm kinh phí, bảo vệ an toàn cho trẻ tại xã."] * 20
        + ["Học phí bao gồm tiền ăn bán trú.", "Trường ở xa trung tâm xã được hỗ trợ."])


def test_accented_question_with_plain_words_is_read_as_typed():
    r = Restorer(LAWS, GENERAL_WORDS)
    for question in ("Mức học phí bao nhiêu?", "Học phí không bao gồm những khoản nào?",
                     "Trẻ học xa nhà có được hỗ trợ không?"):
        query = understand(question, r)
        assert query.form == "accented", question
        assert not any(query.restoration.restored), question
        assert query.text == question.rstrip("?"), question


def test_names_and_list_marks_in_an_accented_question_stay_as_typed():
    r = Restorer(["Trẻ mẫu giáo được hỗ trợ tiền ăn."] * 5 + ["Đối tượng: đ) trẻ khuyết tật."],
                 GENERAL_WORDS)
    assert not any(understand("Sở GDĐT Cà Mau hỗ trợ trẻ mẫu giáo bao nhiêu?", r).restoration.restored)
    assert not any(r.restore("d) trẻ mẫu giáo được hỗ trợ".split()).restored)


def test_a_word_that_lost_its_marks_is_still_restored_in_an_accented_question():
    r = Restorer(["Tổ chức cân đo cho trẻ lần 2.", "Cân đo trẻ lần 1 trong tháng 9."] * 3,
                 GENERAL_WORDS)
    result = r.restore("khi nào cân đo lan 2".split())
    assert result.words == "khi nào cân đo lần 2".split() and result.form == "mixed"


def test_a_phrase_seen_often_outweighs_a_longer_run_seen_once():
    # "muc hoc phi bao" matches one accident ("mức học phí bảo đảm"); "bao nhiêu" is everywhere.
    r = Restorer(["Mức học phí bảo đảm theo quy định."]
                 + [f"Mỗi trẻ được hỗ trợ bao nhiêu tiền {i}." for i in range(30)], GENERAL_WORDS)
    assert r.restore("muc hoc phi bao nhieu".split()).words == "mức học phí bao nhiêu".split()


def test_unaccented_question_is_still_restored():
    r = Restorer(LAWS, GENERAL_WORDS)
    query = understand("hoc phi bao gom tien an ban tru khong", r)
    assert query.form == "unaccented"
    assert query.text == "học phí bao gồm tiền ăn bán trú không"


def test_old_and_new_tone_placement_are_the_same_word():
    assert [tone_normalized(w) for w in ("hoà", "khoẻ", "thuỷ", "uỷ", "quý", "hoàn", "Hoà")] == [
        "hòa", "khỏe", "thủy", "ủy", "quý", "hoàn", "Hòa"]
    assert fold("hoà") == fold("hòa") == "hoa"  # keyword search is unchanged
    # The documents mix both placements; they are counted as one word.
    r = Restorer(["Giáo dục hoà nhập trẻ khuyết tật.", "Khám sức khỏe, giáo dục hòa nhập.",
                  "Chăm sóc sức khoẻ cho trẻ."], GENERAL_WORDS)
    assert r.forms["khoe"] == {"khỏe": 2} and r.forms["hoa nhap"] == {"hòa nhập": 2}
    assert r.restore("giao duc hoa nhap".split()).words == "giáo dục hòa nhập".split()
    # A question in the other placement is read as typed, and its words count as context.
    typed = "khám sức khoẻ cho tre".split()
    result = r.restore(typed)
    assert result.words == "khám sức khoẻ cho trẻ".split() and result.restored == [False] * 4 + [True]


def test_a_misplaced_tone_mark_is_corrected_to_the_documents_form_and_shown():
    r = Restorer(["Thực hiện nhiệm vụ năm học mới."] * 5 + ["Trẻ là trung tâm, trẻ là chủ thể."] * 5,
                 GENERAL_WORDS)
    query = understand("nhiêm vụ năm học là gì", r)
    assert query.text == "nhiệm vụ năm học là gì"
    assert query.restoration.restored == [True, False, False, False, False, False]
    # A real word the documents happen not to use is not a slip: "lá" stays, "là" is frequent.
    assert not any(r.restore("trẻ nhặt lá vàng".split()).restored)


# "trách nhiệm" is written far more often than "tốt nghiệp", as in any directive; the exam
# circular writes "thi tốt nghiệp".
EXAMS = (["Các đơn vị chịu trách nhiệm thực hiện, báo cáo trách nhiệm của mình."] * 10
         + ["Thí sinh đăng ký dự thi tốt nghiệp THPT trước ngày 28/4.", "Kỳ thi tốt nghiệp THPT năm 2025."] * 3
         + ["Đoàn kiểm tra làm việc tại trường.", "HĐND thành phố Hà Nội quyết định mức thu."]
         + ["Học sinh nộp hồ sơ."] * 2)


def test_a_chat_acronym_is_spelled_out_as_the_documents_write_it_beside_its_neighbours():
    r = Restorer(EXAMS, GENERAL_WORDS)
    query = understand("han chot dk du thi tn thpt la ngay nao", r)
    assert "tn → tốt nghiệp" in query.expansions and "tốt nghiệp" in query.text
    assert "tn" in query.terms  # and searched as typed
    # Alone, "tn" could be either phrase; the one written three times as often wins.
    assert r.spell_out("tn") == "trách nhiệm"
    # A place the documents name is what its initials stand for.
    assert "hn → hà nội" in understand("o hn thu tien an bn", r, names=["ha noi"]).expansions
    # Nothing fits clearly: left as typed rather than read wrong.
    assert r.spell_out("xq") is None and r.spell_out("hs") is None  # "học sinh" as often as "hồ sơ"
    assert r.spell_out("hs", before="nop") == "hồ sơ"  # but what is "nộp"-ed is "hồ sơ"
    assert understand("thi tn thpt", None).expansions == []


def test_a_longer_acronym_with_a_vowel_is_spelled_out_when_no_syllable_could_be_it():
    r = Restorer(["Tuyên truyền an toàn giao thông cho học sinh.", "Chuyên đề an toàn giao thông tháng 9.",
                  "Hoạt động STEM của trường."] * 2, GENERAL_WORDS)
    assert "atgt → an toàn giao thông" in understand("chuyen de atgt thang may", r).expansions
    # A word the documents write ("stem") or a syllable ("toan") is no acronym.
    assert understand("phong stem o dau", r).expansions == []
