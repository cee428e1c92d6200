"""General Vietnamese knowledge the search needs: abbreviations of directives and of chat,
politeness formulas, and question words. Written from the domain notes, for any directive."""

# Directive abbreviations (NOTES.md) → full form, accented. Used both ways in search.
ABBREVIATIONS: dict[str, str] = {
    "GDMN": "giáo dục mầm non", "MN": "mầm non", "GD&ĐT": "giáo dục và đào tạo",
    "GDĐT": "giáo dục và đào tạo", "PGD": "phòng giáo dục", "PGDĐT": "phòng giáo dục và đào tạo",
    "SGDĐT": "sở giáo dục và đào tạo", "BGDĐT": "bộ giáo dục và đào tạo", "CBQL": "cán bộ quản lý",
    "GV": "giáo viên", "GVMN": "giáo viên mầm non", "NV": "nhân viên",
    "CBGVNV": "cán bộ giáo viên nhân viên", "CBGV": "cán bộ giáo viên", "HT": "hiệu trưởng",
    "PHT": "phó hiệu trưởng", "CMHS": "cha mẹ học sinh", "PHHS": "phụ huynh học sinh",
    "CSGD": "chăm sóc giáo dục", "CSND": "chăm sóc nuôi dưỡng", "ATTP": "an toàn thực phẩm",
    "VSATTP": "vệ sinh an toàn thực phẩm", "TNTT": "tai nạn thương tích", "PCGD": "phổ cập giáo dục",
    "PCGDMNTNT": "phổ cập giáo dục mầm non cho trẻ em năm tuổi",
    "PCGDMNTE5T": "phổ cập giáo dục mầm non cho trẻ em 5 tuổi", "XMC": "xóa mù chữ",
    "KĐCL": "kiểm định chất lượng", "CQG": "chuẩn quốc gia", "SHCM": "sinh hoạt chuyên môn",
    "HĐGD": "hoạt động giáo dục", "ĐDĐC": "đồ dùng đồ chơi", "CSVC": "cơ sở vật chất",
    "CNTT": "công nghệ thông tin", "SDD": "suy dinh dưỡng", "BC": "báo cáo", "KH": "kế hoạch",
    "HK": "học kỳ", "KSK": "khám sức khỏe", "TK": "thống kê", "UBND": "ủy ban nhân dân",
    "DTTS": "dân tộc thiểu số", "MG": "mẫu giáo", "NT": "nhà trẻ", "TCM": "tổ chuyên môn",
}

# Chat shorthand → what it stands for. Only words; never rewrites of whole questions.
CHAT_WORDS: dict[str, str] = {
    "ko": "không", "k": "không", "kh": "không", "khong": "không", "dc": "được", "đc": "được",
    "j": "gì", "gi": "gì", "ntn": "như thế nào", "bn": "bao nhiêu", "bnh": "bao nhiêu",
    "mk": "mình", "e": "em", "a": "anh", "c": "chị", "vs": "với", "z": "vậy", "v": "vậy",
    "r": "rồi", "ng": "người", "cx": "cũng", "sn": "sinh nhật", "tg": "thời gian", "hs": "học sinh",
}

# Politeness and address formulas around a question; they carry no search meaning.
# Folded, matched as whole words at the start or end of a question.
POLITE_PREFIXES = [
    "cho em hoi", "cho minh hoi", "cho toi hoi", "cho co hoi", "cho chi hoi", "cho anh hoi",
    "em hoi", "em xin hoi", "xin hoi", "ad oi", "admin oi", "bot oi", "chi oi", "anh oi",
    "co oi", "thay oi", "moi nguoi oi", "ban oi", "xin chao", "chao ban", "chao ad", "hi", "hello",
    "alo", "em muon hoi", "minh muon hoi", "cho em xin", "cho minh xin", "vui long cho biet",
]
POLITE_SUFFIXES = [
    "a", "ad", "nhe", "nha", "voi", "voi a", "ad oi", "a oi", "nhe ad", "nha ad", "vay", "the",
    "cam on", "cam on a", "thanks", "thank you", "giup em", "giup em voi", "giup minh voi",
]

# What shapes a question but never appears in the passage that answers it (folded). Phrases go
# first because their syllables alone are content words ("bao" in "báo cáo", "dau" in "đầu năm").
QUESTION_PHRASES = [
    "khi nao", "bao gio", "bao nhieu", "bao lau", "ngay nao", "ngay may", "thang may", "thang nao",
    "luc nao", "o dau", "tai dau", "noi nao", "nhu the nao", "the nao", "la gi", "la ai",
    "co khong", "hay khong", "duoc khong", "phai khong", "vay", "han chot", "thoi han",
    "vao ngay nao", "vao thang nao", "vao thang may", "vao luc nao", "vao khi nao", "vao tuan nao",
]
QUESTION_WORDS = {"gi", "nao", "may", "ai", "sao", "khong", "chua", "hay", "la", "nhi", "a"}

# Questions asking for a time, a quantity, a place or a person (folded phrases).
WHEN_CUES = ["khi nao", "bao gio", "ngay nao", "ngay may", "thang may", "thang nao", "luc nao",
             "han chot", "han nop", "thoi han", "truoc ngay", "tuan nao", "thoi gian nao", "thoi diem nao", "thu may"]
HOW_MANY_CUES = ["bao nhieu", "may lan", "may giao vien", "ty le", "may phan tram", "so luong",
                 "bao lau", "toi thieu may", "may"]
WHERE_CUES = ["o dau", "tai dau", "truong nao", "don vi nao", "noi nao", "tai truong nao", "dia diem"]

# The labels directives put before a value of each kind ("Thời gian: …", "1. Địa điểm" with the
# place on the next line, "Mức thu: …"), folded: a value under the label of the asked kind answers
# the question even when it repeats none of its words.
ANSWER_LABELS = {
    "when": ("thoi gian", "thoi diem", "thoi han", "han nop", "ngay", "lich"),
    "where": ("dia diem", "dia chi", "noi"),
    "how_much": ("muc thu", "muc hoc phi", "hoc phi", "muc ho tro", "kinh phi", "muc chi", "don gia"),
    "how_many": ("so luong",),
}

# Words of questions and chat that directives seldom contain, accented, for restoring diacritics
# on questions typed without them (the documents' own vocabulary covers everything else).
GENERAL_WORDS = [
    # asking
    "khi nào", "bao giờ", "lúc nào", "hồi nào", "ngày nào", "ngày mấy", "tháng nào", "tháng mấy",
    "tuần nào", "năm nào", "bao nhiêu", "bao lâu", "mấy", "mấy lần", "mấy giờ", "ở đâu", "tại đâu",
    "đâu", "chỗ nào", "nơi nào", "ai", "cái gì", "gì", "là gì", "làm gì", "những gì", "thế nào",
    "như thế nào", "ra sao", "sao", "tại sao", "vì sao", "có không", "được không", "có phải",
    "phải không", "hay không", "chưa", "hạn chót", "hạn cuối", "thời hạn", "phần trăm",
    # address, politeness, chat particles
    "ạ", "à", "nhé", "nha", "nhỉ", "ơi", "vậy", "thế", "dạ", "vâng", "hả", "hỏi", "cho em hỏi",
    "cho mình hỏi", "xin hỏi", "giúp", "giúp em", "cảm ơn", "em", "mình", "tôi", "cô", "chị",
    "anh", "thầy", "bạn", "các cô", "mấy cô", "cô giáo", "cô nuôi", "mọi người", "cháu", "bé", "các bé",
    "con",
    # quantifiers and function words of everyday speech
    "mỗi", "mọi", "từng", "vài", "nhiều", "ít", "hết", "cả", "còn", "đã", "sẽ", "đang", "phải",
    "nên", "cần", "muốn", "nộp", "gửi", "làm", "xong", "nữa", "rồi", "mới",
]

# How staff name people and things in chat → how directives name them. Matched with diacritics
# (after restoration), so "cô" (the teacher) is never confused with "có".
STAFF_WORDS: dict[str, str] = {
    "cô": "giáo viên", "cô giáo": "giáo viên", "thầy giáo": "giáo viên", "các cô": "giáo viên",
    "cô nuôi": "nhân viên nuôi dưỡng", "cô cấp dưỡng": "nhân viên nuôi dưỡng",
    "cấp dưỡng": "nhân viên nuôi dưỡng", "cô bếp": "nhân viên nuôi dưỡng",
    "bé": "trẻ", "các bé": "trẻ", "cháu": "trẻ", "các cháu": "trẻ", "học sinh": "trẻ",
    "phụ huynh": "cha mẹ trẻ", "bố mẹ": "cha mẹ trẻ", "ba mẹ": "cha mẹ trẻ",
    "hiệu phó": "phó hiệu trưởng", "bgh": "ban giám hiệu", "sếp": "ban giám hiệu",
    "học kì": "học kỳ", "sơ kết kì": "sơ kết học kỳ",
}

# Qualifiers of a quantity that exclude each other: a clause saying "dưới 24 tháng" does not answer
# a question about "trên 24 tháng" (folded, matched right before the same number).
OPPOSITE_QUALIFIERS = [("tren", "duoi"), ("truoc", "sau"), ("toi thieu", "toi da"),
                       ("it nhat", "nhieu nhat"), ("hon", "kem"), ("tang", "giam")]

# A question made only of these (folded) besides a month asks for that month's list of tasks:
# "tháng 12 có việc gì?", "lịch công tác tháng 12/2023", "nhiệm vụ trọng tâm tháng này".
AGENDA_WORDS = {"viec", "cong", "nhiem", "vu", "lich", "tac", "ke", "hoach", "trong", "tam", "can",
                "phai", "lam", "co", "nhung", "cac", "gi", "nao", "la", "chinh", "se", "duoc", "giao"}
AGENDA_CUES = ["viec", "nhiem vu", "lich", "ke hoach", "trong tam", "cong tac"]
