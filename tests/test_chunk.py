"""Chunks: what a passage found by search holds, and what its heading path tells about it."""
import docx
import pytest
from fpdf import FPDF

from ingest.chunk import MAX_CHARS, make_chunks
from ingest.clean import normalize
from ingest.parse import parse_file
from ingest.structure import parse_sections

from .directives import FONT


def chunks_of(raw: str):
    text = normalize(raw)
    chunks = make_chunks(text, parse_sections(text, "2025-2026"))
    for c in chunks:
        assert text[c.start:c.end] == c.text and len(c.text) <= MAX_CHARS
    return chunks


def holding(chunks, words: str):
    return next(c for c in chunks if words in c.text)


FILLER = "Cơ sở giáo dục mầm non lập danh sách, thông báo công khai và gửi hồ sơ về cơ quan quản lý. "


def test_each_khoan_of_a_long_article_is_its_own_passage_named_by_the_article():
    chunks = chunks_of(
        "Điều 7. Chính sách hỗ trợ ăn trưa cho trẻ em mẫu giáo\n"
        "1. Đối tượng hưởng chính sách\n" + FILLER * 4 + "\n"
        "2. Nội dung chính sách\nTrẻ em được hỗ trợ tiền ăn trưa là 160.000 đồng/trẻ/tháng. " + FILLER * 3 + "\n"
        "3. Hồ sơ\n" + FILLER * 4)
    lunch = holding(chunks, "160.000 đồng")
    assert lunch.path == "Điều 7 Chính sách hỗ trợ ăn trưa cho trẻ em mẫu giáo > 2. Nội dung chính sách"
    assert "Hồ sơ" not in lunch.text and "Đối tượng" not in lunch.text


def test_a_long_article_title_stays_whole_in_its_passages_paths_and_a_sentence_heading_is_cut():
    title = ("Điều 10. Chính sách đối với giáo viên mầm non làm việc tại cơ sở giáo dục mầm non thuộc loại "
             "hình dân lập, tư thục ở địa bàn có khu công nghiệp")
    chunks = chunks_of(title + "\n1. Đối tượng hưởng chính sách gồm giáo viên có trình độ chuẩn, có hợp đồng lao "
                       "động và trực tiếp dạy trẻ là con công nhân\n" + FILLER * 7 + "\n"
                       "2. Nội dung chính sách\nĐược hỗ trợ tối thiểu 800.000 đồng/tháng. " + FILLER * 6)
    # "tư thục ở khu công nghiệp" is what a question says: the path keeps the words.
    assert holding(chunks, "800.000").path == title.replace(".", "", 1) + " > 2. Nội dung chính sách"
    assert holding(chunks, "hợp đồng lao động").path.endswith(" > 1. Đối tượng hưởng chính sách gồm giáo viên có trình độ chuẩn, có hợp…")


def test_a_short_section_is_one_passage_with_its_subsections():
    chunks = chunks_of(
        "I. MỤC ĐÍCH\n" + FILLER * 8 + "\n"
        "III. THỜI GIAN, HÌNH THỨC VÀ THÀNH PHẦN THAM DỰ\n1. Thời gian\nLúc 14 giờ 00 phút, ngày 28 tháng 4 năm 2026.\n"
        "2. Hình thức\nTrực tuyến qua Google Meet.\n3. Thành phần\nGiáo viên môn Lịch sử các trường trong cụm.")
    meeting = holding(chunks, "Lúc 14 giờ 00 phút")
    assert meeting.text.startswith("III. THỜI GIAN") and meeting.text.endswith("trong cụm.")
    assert meeting.path == "III. THỜI GIAN, HÌNH THỨC VÀ THÀNH PHẦN THAM DỰ"


def test_short_items_of_a_long_section_share_passages_and_long_ones_stand_alone():
    chunks = chunks_of(
        "II. PHÂN CÔNG\n1. Đồng chí Hà: phụ trách hồ sơ.\n2. Đồng chí Lan: nhận tài sản.\n"
        "3. Đồng chí Mai: kiểm kê cuối năm.\n4. Nhân viên bảo vệ\n" + FILLER * 7)
    team = holding(chunks, "Đồng chí Lan")
    assert "Đồng chí Hà" in team.text and "Đồng chí Mai" in team.text and team.path == "II. PHÂN CÔNG"
    guard = holding(chunks, "hồ sơ về cơ quan")
    assert guard.path == "II. PHÂN CÔNG > 4. Nhân viên bảo vệ" and "Đồng chí" not in guard.text


def test_months_of_a_schedule_never_share_a_passage():
    chunks = chunks_of("II. KẾ HOẠCH THÁNG\nTháng 9/2025\n- Khai giảng năm học.\nTháng 10/2025\n- Cân đo lần 1.")
    assert [(c.month, c.text.split("\n")[-1]) for c in chunks] == [
        ("2025-09", "- Khai giảng năm học."), ("2025-10", "- Cân đo lần 1.")]


def test_rows_of_a_long_table_name_its_columns():
    rows = "\n".join(f"{i}\tDịch vụ số {i} phục vụ bán trú cho trẻ\tĐồng/trẻ/tháng\t{i},000\tBình quân/tháng"
                     for i in range(1, 30))
    chunks = chunks_of("III. Các khoản thu\nTT\tNội dung thu\tĐơn vị tính\tMức thu\tGhi chú\n" + rows + "\n"
                       "IV. Tổ chức thực hiện\nNhà trường công khai các khoản thu.")
    header = "TT | Nội dung thu | Đơn vị tính | Mức thu | Ghi chú"
    first, late = holding(chunks, "Dịch vụ số 1 "), holding(chunks, "Dịch vụ số 28")
    assert first is not late
    assert first.path == "III. Các khoản thu"  # its text starts with the header row itself
    assert late.path == f"III. Các khoản thu > {header}"
    assert holding(chunks, "công khai các khoản thu").path == "IV. Tổ chức thực hiện"


def test_a_header_laid_out_as_a_table_is_not_a_column_header():
    chunks = chunks_of("UBND XÃ SƠN THUỶ\tTRƯỜNG MN NINH LAI\nSố: 36/KH-Ntr\tNinh Lai, ngày 15 tháng 9 năm 2025\n"
                       "I. MỤC ĐÍCH\nGiữ gìn vệ sinh trường lớp.")
    assert [c.path for c in chunks] == ["", "I. MỤC ĐÍCH"]


def test_short_numbered_sections_of_the_body_share_a_passage_but_the_header_and_appendix_do_not():
    chunks = chunks_of(
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO\nSố: 12/KH-SGDĐT\nKẾ HOẠCH\nĐón đoàn kiểm tra công tác bán trú\n"
        "I. MỤC ĐÍCH\n" + FILLER * 8 + "\n"
        "II. ĐỐI TƯỢNG KIỂM TRA\nCác trường mầm non công lập trên địa bàn.\n"
        "III. THỜI GIAN VÀ ĐỊA ĐIỂM\nThời gian: Buổi sáng, ngày 18 tháng 4 năm 2026.\n"
        "Địa điểm: Trường Mầm non Hoa Sen.\n"
        "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n"
        "Phụ lục I\nDANH SÁCH TRƯỜNG\n1. Trường Mầm non Hoa Sen.")
    visit = holding(chunks, "ngày 18 tháng 4")
    # Alone, "Thời gian: Buổi sáng, ngày 18 …" says nothing of what is inspected; with its
    # neighbour the passage names the inspection it dates.
    assert "II. ĐỐI TƯỢNG KIỂM TRA" in visit.text and "Địa điểm" in visit.text
    # Its path names each section it holds, and it is not filed with the header as outside any.
    assert visit.path == "II. ĐỐI TƯỢNG KIỂM TRA; III. THỜI GIAN VÀ ĐỊA ĐIỂM"
    assert visit.section is not None and visit.section != holding(chunks, "Số: 12/KH-SGDĐT").section
    assert "Nơi nhận" not in visit.text and "DANH SÁCH" not in visit.text and "MỤC ĐÍCH" not in visit.text
    assert "Số: 12/KH-SGDĐT" not in holding(chunks, "MỤC ĐÍCH").text


SCHEDULE = (
    "Phụ lục I\nKẾ HOẠCH TỔ CHỨC HỘI THI GIÁO VIÊN DẠY GIỎI\n"
    "TT\tNội dung công tác\tĐơn vị chủ trì\tThời gian thực hiện\n"
    "1\tTập huấn thể lệ hội thi cho các trường.\tPhòng GDĐT\tHoàn thành chậm nhất ngày 05/11/2025\n"
    "2\tRà soát, cập nhật hồ sơ giáo viên dự thi trên cơ sở dữ liệu ngành, gồm: - Thông tin cá nhân\t"
    "Các trường\tHoàn thành trước 17 giờ ngày 10/11/2025\n"
    "\t- Kết quả đánh giá chuẩn nghề nghiệp.\tCác trường\tHoàn thành trước 17 giờ ngày 20/11/2025\n"
    "3\tCông bố kết quả hội thi\tBan tổ chức\t8h00 ngày 16/12/2025\n"
    "4\tThu nhận đơn phúc khảo.\tCác trường\tTừ ngày 16/12 đến hết ngày 20/12/2025\n")
COLUMNS = "TT | Nội dung công tác | Đơn vị chủ trì | Thời gian thực hiện"


def test_each_row_of_a_schedule_is_a_passage_with_its_own_date_named_by_its_columns():
    chunks = chunks_of("I. MỤC ĐÍCH\n" + FILLER * 2 + "\n" + SCHEDULE)
    results = holding(chunks, "Công bố kết quả")
    # Alone, so an answer to "khi nào công bố kết quả" can only lead with this row's date.
    assert results.text == "3\tCông bố kết quả hội thi\tBan tổ chức\t8h00 ngày 16/12/2025"
    assert results.path == f"Phụ lục I KẾ HOẠCH TỔ CHỨC HỘI THI GIÁO VIÊN DẠY GIỎI > {COLUMNS}"
    assert holding(chunks, "phúc khảo").text.startswith("4\t")
    # The first row goes with the caption and the header row above it, which name its cells.
    assert holding(chunks, "Tập huấn").text.startswith("Phụ lục I\n")


def test_a_sub_row_of_a_schedule_stands_alone_and_its_path_names_the_row_it_goes_on_from():
    chunks = chunks_of(SCHEDULE)
    results = holding(chunks, "Kết quả đánh giá")
    assert "10/11/2025" not in results.text and results.text.endswith("20/11/2025")
    assert results.path.startswith(f"Phụ lục I KẾ HOẠCH TỔ CHỨC HỘI THI GIÁO VIÊN DẠY GIỎI > {COLUMNS} > 2 Rà soát, cập nhật")


def test_a_short_schedule_under_a_heading_is_cut_into_its_rows():
    chunks = chunks_of("I. MỤC ĐÍCH\n" + FILLER * 8 + "\nII. TIẾN ĐỘ\n" + SCHEDULE.split("\n", 2)[2])
    assert len([c for c in chunks if "ngày" in c.text and c.path.startswith("II. TIẾN ĐỘ")]) == 5


def test_rows_of_a_table_without_dates_or_amounts_share_passages():
    duties = "\n".join(f"{i}\tLớp {i}A\tCô Hà + cô Lan\tQuét sân, chăm sóc bồn hoa khu {i}" for i in range(1, 6))
    chunks = chunks_of("II. PHÂN CÔNG\nTT\tTên lớp\tGiáo viên phụ trách\tKhu vực\n" + duties)
    assert len(chunks) == 1 and chunks[0].path == "II. PHÂN CÔNG"


def test_each_amount_of_a_fee_list_is_a_passage_named_by_the_rows_it_is_numbered_under():
    chunks = chunks_of(
        "PHỤ LỤC\nDANH MỤC CÁC KHOẢN THU VÀ MỨC THU\n"
        "TT\tDanh mục dịch vụ\tĐơn vị tính\tMức trần\n"
        "1\tDịch vụ ăn uống, bán trú\n1.1\tDịch vụ tiền ăn của học sinh\n"
        "1.1.1\tBữa sáng\tĐồng/học sinh/ngày\t20.000\n1.1.2\tBữa trưa\t35.000\n"
        "1.2\tDịch vụ chăm sóc bán trú\tĐồng/học sinh/tháng\t235.000\n"
        "2\tDịch vụ đưa đón người học\tĐồng/học sinh/km\t10.000\n")
    lunch = holding(chunks, "Bữa trưa")
    # "bao nhiêu một bữa trưa" finds the row alone, and its path says what the row is part of.
    assert lunch.text == "1.1.2\tBữa trưa\t35.000"
    assert lunch.path == ("PHỤ LỤC DANH MỤC CÁC KHOẢN THU VÀ MỨC THU > TT | Danh mục dịch vụ | Đơn vị tính | Mức trần"
                          " > 1 Dịch vụ ăn uống, bán trú > 1.1 Dịch vụ tiền ăn của học sinh")
    assert holding(chunks, "chăm sóc bán trú").path.endswith("Mức trần > 1 Dịch vụ ăn uống, bán trú")
    assert holding(chunks, "đưa đón").path.endswith("Mức trần")
    # A heading row without an amount goes with the first row under it.
    assert holding(chunks, "Bữa sáng").text.startswith("PHỤ LỤC\n")


ROWS = [("TT", "Nội dung công tác", "Đơn vị chủ trì", "Thời gian thực hiện"),
        ("1", "Tập huấn thể lệ hội thi cho các trường.", "Phòng GDĐT", "Hoàn thành chậm nhất ngày 05/11/2025"),
        ("2", "Thu nhận hồ sơ dự thi của giáo viên.", "Các trường", "Từ ngày 10/11 đến hết ngày 20/11/2025"),
        ("3", "Công bố kết quả hội thi", "Ban tổ chức", "8h00 ngày 16/12/2025"),
        ("4", "Thu nhận đơn phúc khảo.", "Các trường", "Từ ngày 16/12 đến hết ngày 20/12/2025")]
OPENING = ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "KẾ HOẠCH", "Tổ chức hội thi giáo viên dạy giỏi cấp huyện",
           "I. MỤC ĐÍCH", FILLER * 3, "II. TIẾN ĐỘ THỰC HIỆN"]


def _write_schedule(path):
    if path.suffix == ".docx":
        document = docx.Document()
        for line in OPENING:
            document.add_paragraph(line)
        table = document.add_table(rows=len(ROWS), cols=4)
        for r, row in enumerate(ROWS):
            for c, cell in enumerate(row):
                table.cell(r, c).text = cell
        document.save(path)
    elif path.suffix == ".md":  # a crawl: "|" cells, the separator under the header row
        table = ["| " + " | ".join(row) + " |" for row in ROWS]
        path.write_text("\n\n".join(OPENING) + "\n\n" + "\n".join([table[0], "|---|---|---|---|", *table[1:]]) + "\n",
                        encoding="utf-8")
    else:
        pdf = FPDF(format="A4")
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.set_font("DejaVu", size=11)
        pdf.add_page()
        for line in OPENING:
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        with pdf.table(col_widths=(12, 80, 40, 58), first_row_as_headings=False) as table:
            for row in ROWS:
                cells = table.row()
                for cell in row:
                    cells.cell(cell)
        pdf.output(path)
    return path


@pytest.mark.parametrize("suffix", [".docx", ".md", ".pdf"])
def test_a_schedule_in_word_a_crawl_or_a_pdf_gives_each_task_its_own_passage(tmp_path, suffix):
    chunks = parse_file(_write_schedule(tmp_path / f"ke_hoach{suffix}")).chunks
    results = holding(chunks, "Công bố kết quả")
    assert results.text == "3\tCông bố kết quả hội thi\tBan tổ chức\t8h00 ngày 16/12/2025"
    assert results.path == "II. TIẾN ĐỘ THỰC HIỆN > TT | Nội dung công tác | Đơn vị chủ trì | Thời gian thực hiện"
