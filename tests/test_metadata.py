from ingest.metadata import read_metadata
from ingest.model import Metadata

# The five samples' headers are asserted through the whole reading pipeline in
# tests/test_document_facts.py; these tests feed read_metadata made-up headers.


SIDE_BY_SIDE = """\
UBND QUẬN HỒNG BÀNG\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHÒNG GIÁO DỤC VÀ ĐÀO TẠO\tĐộc lập - Tự do - Hạnh phúc
Số: 1234 / PGDĐT-GDMN\tHồng Bàng, ngày 05 tháng 01 năm 2024
V/v Hướng dẫn kiểm tra cuối học kỳ I
năm học 2023-2024
Kính gửi: Hiệu trưởng các trường mầm non trong quận.
Căn cứ Công văn số 12/SGDĐT-GDMN ngày 02/01/2024 của Sở GD&ĐT về kiểm tra năm học 2022-2023;
Phòng GD&ĐT hướng dẫn như sau:
I. NỘI DUNG
1. Số: 99/KH-XYZ là kế hoạch khác, Hà Nội, ngày 1 tháng 1 năm 2020.
"""


def test_side_by_side_header_with_tabs():
    m = read_metadata(SIDE_BY_SIDE)
    assert m == Metadata(
        issuer="Phòng GD&ĐT quận Hồng Bàng",
        issuer_lines=["UBND QUẬN HỒNG BÀNG", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"],
        number="1234/PGDĐT-GDMN",
        place="Hồng Bàng",
        date="2024-01-05",
        date_text="Hồng Bàng, ngày 05 tháng 01 năm 2024",
        subject="Hướng dẫn kiểm tra cuối học kỳ I năm học 2023-2024",
        kind="công văn",
        title="",
        school_year="2023-2024",
        recipients=["Hiệu trưởng các trường mầm non trong quận"],
    )


def test_side_by_side_header_flattened_with_spaces():
    flat = SIDE_BY_SIDE.replace("\t", " ")
    assert read_metadata(flat) == read_metadata(SIDE_BY_SIDE)


def test_subject_continues_below_a_date_cell_on_its_own_row():
    text = (
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\n"
        "Số: 3065/SGDĐT-GDMN\n"
        "V/v hướng dẫn thực hiện nhiệm vụ\tHà Nội, ngày 21 tháng 9 năm 2020\n"
        "GDMN năm học 2020-2021\n"
        "Kính gửi:\n"
        "- Trưởng phòng GD&ĐT các quận, huyện, thị xã;\n"
        "- Hiệu trưởng các trường mầm non trực thuộc Sở.\n"
        "Thực hiện Chỉ thị số 666/CT-BGDĐT ngày 24/8/2020 của Bộ GD&ĐT;\n"
    )
    m = read_metadata(text)
    assert m.issuer == "Sở GD&ĐT Hà Nội"
    assert m.issuer_lines == ["SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI"]
    assert m.number == "3065/SGDĐT-GDMN"
    assert (m.place, m.date) == ("Hà Nội", "2020-09-21")
    assert m.subject == "hướng dẫn thực hiện nhiệm vụ GDMN năm học 2020-2021"
    assert m.school_year == "2020-2021"
    assert m.kind == "công văn"
    assert m.recipients == [
        "Trưởng phòng GD&ĐT các quận, huyện, thị xã",
        "Hiệu trưởng các trường mầm non trực thuộc Sở",
    ]


def test_so_takes_its_locality_from_the_parent_line():
    text = (
        "UBND TỈNH SÓC TRĂNG\n"
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO\n"
        "Số: 2137/SGDĐT-GDMN&TH\n"
        "V/v hướng dẫn nhiệm vụ năm học 2023-2024\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\n"
        "Sóc Trăng, ngày 29 tháng 8 năm 2023\n"
        "Kính gửi: Trưởng phòng GDĐT các huyện, thị xã, thành phố\n"
    )
    m = read_metadata(text)
    assert m.issuer == "Sở GD&ĐT tỉnh Sóc Trăng"
    assert m.number == "2137/SGDĐT-GDMN&TH"
    assert m.date == "2023-08-29"
    assert m.recipients == ["Trưởng phòng GDĐT các huyện, thị xã, thành phố"]


def test_ministry_single_issuer_line():
    text = (
        "BỘ GIÁO DỤC VÀ ĐÀO TẠO\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "\tĐộc lập - Tự do - Hạnh phúc\n"
        "Số: 4128/BGDĐT-GDMN\tHà Nội, ngày 10 tháng 8 năm 2023\n"
        "V/v hướng dẫn thực hiện nhiệm vụ GDMN năm học 2023-2024\n"
        "Kính gửi: Các Sở Giáo dục và Đào tạo\n"
        "Căn cứ Nghị định số 86/2022/NĐ-CP;\n"
    )
    m = read_metadata(text)
    assert (m.issuer, m.issuer_lines) == ("Bộ GD&ĐT", ["BỘ GIÁO DỤC VÀ ĐÀO TẠO"])
    assert m.number == "4128/BGDĐT-GDMN"
    assert m.date == "2023-08-10"


DECISION = """\
UBND HUYỆN AN LÃO\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TRƯỜNG MẦM NON XÃ AN TIẾN\tĐộc lập - Tự do - Hạnh phúc
Số: 15/QĐ-MNAT\tAn Lão, ngày 5 tháng 9 năm 2023
QUYẾT ĐỊNH
Về việc thành lập Ban kiểm tra nội bộ
năm học 2023-2024
HIỆU TRƯỞNG TRƯỜNG MẦM NON XÃ AN TIẾN
Căn cứ Điều lệ trường mầm non ban hành kèm theo Văn bản hợp nhất số 01/VBHN-BGDĐT;
Xét đề nghị của tổ chuyên môn,
QUYẾT ĐỊNH:
Điều 1. Thành lập Ban kiểm tra nội bộ.
"""


def test_decision_title_stops_before_the_signing_authority():
    m = read_metadata(DECISION)
    assert m.issuer == "Trường MN xã An Tiến"
    assert m.number == "15/QĐ-MNAT"
    assert m.kind == "quyết định"
    assert m.title == "QUYẾT ĐỊNH Về việc thành lập Ban kiểm tra nội bộ năm học 2023-2024"
    assert m.subject == ""
    assert m.school_year == "2023-2024"
    assert m.recipients == []


def test_kind_from_symbol_when_there_is_no_title():
    text = (
        "PHÒNG GD&ĐT HUYỆN MỸ TÚ\n"
        "Số: 45/TB-PGDĐT\n"
        "V/v lịch kiểm tra\n"
        "Mỹ Tú, ngày 3 tháng 10 năm 2023\n"
    )
    m = read_metadata(text)
    assert m.kind == "thông báo"
    assert m.issuer == "Phòng GD&ĐT huyện Mỹ Tú"


def test_a_decree_or_circular_has_its_kind_from_its_number():
    # A decree whose title page is lost keeps its number in the signature block's copy.
    assert read_metadata("CHÍNH PHỦ\nSố: 66/2025/NĐ-CP\nHà Nội, ngày 12 tháng 3 năm 2025\n").kind == "nghị định"
    assert read_metadata("BỘ GIÁO DỤC VÀ ĐÀO TẠO\nSố: 01/2024/TT-BGDĐT\nHà Nội, ngày 5 tháng 2 năm 2024\n").kind == "thông tư"


def test_a_crawled_pages_table_of_properties_gives_the_fields_it_states():
    # vbpl.vn-style pages put the document's properties above a header that may come much later.
    text = ("Nghị định 182/2026/NĐ-CP quy định chế độ phụ cấp ưu đãi theo nghề đối với nhà giáo\n"
            "THÔNG TIN VĂN BẢN\nThuộc tính\tNội dung\nSố hiệu\t182/2026/NĐ-CP\nLoại văn bản\tNghị định\n"
            "Cơ quan ban hành\tChính phủ\nNơi ban hành\tHà Nội\nNgày ban hành\t22/05/2026\n"
            "Ngày có hiệu lực\t07/07/2026\nCăn cứ pháp lý\n- Luật Giáo dục số 43/2019/QH14;\n")
    m = read_metadata(text)
    assert (m.issuer, m.number, m.kind, m.place, m.date) == ("Chính phủ", "182/2026/NĐ-CP", "nghị định", "Hà Nội", "2026-05-22")
    # The table's other cells are not an issuer: a decree's drafting ministry is not who issued it.
    drafted = text.replace("Cơ quan ban hành\tChính phủ\n", "Cơ quan chủ trì\tBộ Giáo dục và Đào tạo\n")
    assert read_metadata(drafted).issuer == ""
    # One row that looks like a property is a table about something else.
    assert read_metadata("Nội dung\tThời gian\nNgày ban hành\tTháng 9\n").date == ""


def test_blank_number_still_gives_the_kind_from_its_symbol():
    m = read_metadata("Số: ......./KH-MN\nHà Nội, ngày tháng năm 2024\n")
    assert (m.number, m.kind, m.place, m.date) == ("", "kế hoạch", "Hà Nội", "")


def test_missing_fields_stay_empty():
    text = (
        "KẾ HOẠCH\n"
        "Tổ chức Ngày hội đến trường của bé\n"
        "Căn cứ Kế hoạch số 20/KH-PGDĐT năm học 2023-2024;\n"
        "Căn cứ tình hình thực tế, nhà trường xây dựng kế hoạch như sau:\n"
        "I. MỤC ĐÍCH\n"
        "Hà Nội, ngày 1 tháng 9 năm 2023\n"
    )
    m = read_metadata(text)
    assert m.title == "KẾ HOẠCH Tổ chức Ngày hội đến trường của bé"
    assert m.kind == "kế hoạch"
    assert (m.issuer, m.issuer_lines, m.number) == ("", [], "")
    assert (m.place, m.date, m.date_text, m.subject, m.recipients) == ("", "", "", "", [])
    # Only a basis line names a year, and it cites another document: fine as a last resort.
    assert m.school_year == "2023-2024"


def test_empty_text():
    assert read_metadata("") == Metadata()


def test_cited_body_is_not_the_issuer():
    text = (
        "Số: /GDĐT\n"
        "V/v trọng tâm tháng 10\n"
        "Hồng Bàng, ngày tháng năm 2023\n"
        "Thực hiện Công văn số 2179/SGDĐT-GDMN ngày 16/8/2023 của Sở GD&ĐT hướng dẫn nhiệm vụ;\n"
        "Thực hiện Công văn số 30/SGDĐT-GDMN của Sở GD&ĐT hướng dẫn công tác tháng 10 như sau:\n"
        "I. CÔNG TÁC CHUNG\n"
    )
    m = read_metadata(text)
    assert (m.issuer, m.issuer_lines) == ("", [])


def test_school_named_in_opening_sentence():
    text = (
        "Số: 12/KH-MNHS\n"
        "An Lão, ngày 22 tháng 9 năm 2023\n"
        "Thực hiện Công văn số 316/PGDĐT của Phòng GD&ĐT hướng dẫn nhiệm vụ năm học 2023 - 2024;\n"
        "Căn cứ điều kiện thực tế, trường mầm non Hoa Sen xây dựng kế hoạch như sau:\n"
        "I. Nhiệm vụ\n"
    )
    m = read_metadata(text)
    assert m.issuer == "Trường MN Hoa Sen"
    assert m.issuer_lines == []
    assert m.school_year == "2023-2024"


def test_impossible_date_is_quoted_not_converted():
    m = read_metadata("Số: 7/PGDĐT\nLong Biên, ngày 31 tháng 2 năm 2024\n")
    assert (m.date, m.date_text) == ("", "Long Biên, ngày 31 tháng 2 năm 2024")


def test_unbulleted_recipients_follow_semicolons():
    text = (
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN LONG BIÊN\n"
        "Số: 88/PGDĐT\n"
        "V/v cân đo lần 2\n"
        "Kính gửi: Hiệu trưởng các trường mầm non công lập;\n"
        "Chủ các nhóm, lớp độc lập tư thục.\n"
        "Để chuẩn bị cho đợt cân đo lần 2, Phòng GD&ĐT đề nghị các đơn vị thực hiện như sau:\n"
        "1. Hoàn thành trước ngày 15/12.\n"
    )
    m = read_metadata(text)
    assert m.issuer == "Phòng GD&ĐT quận Long Biên"
    assert m.subject == "cân đo lần 2"
    assert m.recipients == [
        "Hiệu trưởng các trường mầm non công lập",
        "Chủ các nhóm, lớp độc lập tư thục",
    ]


def test_nothing_after_the_recipients_is_read_as_header():
    text = (
        "Số: 12/GDĐT-MN\n"
        "Kính gửi: Các trường mầm non; các nhóm lớp độc lập\n"
        "Đề nghị các đơn vị nộp báo cáo đúng hạn\n"
        "Hà Nội, ngày 5 tháng 9 năm 2023\n"
        "V/v không phải trích yếu\n"
    )
    m = read_metadata(text)
    assert m.recipients == ["Các trường mầm non", "các nhóm lớp độc lập"]
    assert (m.place, m.date, m.date_text, m.subject) == ("", "", "", "")
