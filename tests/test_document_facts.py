"""Header facts of the 18 public directives, read by eye from each file's first page, checked
through the whole reading path (ingest.parse.parse_file): reader, normaliser, metadata.

A field a document does not state is empty: 05 and 06 lost their first page, 03 has no header,
and no school year is filled in unless the header or opening sentence names one."""
from pathlib import Path

import pytest

from ingest.model import Metadata
from ingest.parse import parse_file

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
DEV = REPO.parent / "shared" / "corpus" / "dev"

NINH_LAI = ["UBND XÃ SƠN THUỶ", "TRƯỜNG MN NINH LAI"]

SAMPLE_FACTS = {
    "000": Metadata(
        issuer="Phòng GD&ĐT Hồng Bàng",
        number="",
        place="Hồng Bàng",
        date_text="Hồng Bàng, ngày tháng năm 2023",
        subject="Nhiệm vụ trọng tâm tháng GDMN Năm học 2023-2024",
        kind="công văn",
        school_year="2023-2024",
        recipients=["Hiệu trưởng các trường mầm non", "Chủ các nhóm, lớp mầm non độc lập thuộc quận"],
    ),
    "001": Metadata(
        issuer="Phòng GD&ĐT quận Long Biên",
        issuer_lines=["UBND QUẬN LONG BIÊN", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"],
        place="Long Biên",
        date_text="Long Biên, ngày tháng năm 2022",
        subject="HDtrọng tâm công tác tháng 12/2022 cấp Mầm non",
        kind="công văn",
        school_year="2022-2023",
        recipients=[
            "Hiệu trưởng các trường Mầm non công lập thuộc Quận",
            "Chủ trường, chủ Lớp mầm non độc lập tư thục thuộc Quận",
        ],
    ),
    "002": Metadata(
        issuer="Trường MN Sao Sáng",
        issuer_lines=["UBND HUYỆN AN LÃO", "TRƯỜNG MẦM NON SAO SÁNG"],
        number="88/KH-MNSS",
        place="An Lão",
        date="2023-09-22",
        date_text="An Lão, ngày 22 tháng 9 năm 2023",
        kind="kế hoạch",
        title="KẾ HOẠCH Thực hiện nhiệm vụ năm học 2023 - 2024",
        school_year="2023-2024",
    ),
    "003": Metadata(
        issuer="Phòng GD&ĐT quận Long Biên",
        issuer_lines=["UBND QUẬN LONG BIÊN", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"],
        place="Long Biên",
        date_text="Long Biên, ngày tháng năm 2020",
        subject="Hướng dẫn thực hiện nhiệm vụ giáo dục Mầm non năm học 2020-2021",
        kind="công văn",
        school_year="2020-2021",
        recipients=[
            "Hiệu trưởng các trường mầm non trên địa bàn Quận",
            "Chủ nhóm trẻ, lớp Mẫu giáo độc lập tư thục trên địa bàn Quận",
        ],
    ),
    "004": Metadata(
        issuer="Phòng GD&ĐT Mỹ Tú",
        number="567/PGDĐT-NVMN",
        place="Mỹ Tú",
        date="2023-09-04",
        date_text="Mỹ Tú, ngày 04 tháng 9 năm 2023",
        subject="Hướng dẫn thực hiện nhiệm vụ năm học 2023-2024 của cấp mầm non",
        kind="công văn",
        school_year="2023-2024",
        recipients=["Các trường mầm non công lập", "Nhóm, lớp mầm non độc lập tư thực trên địa bàn huyện"],
    ),
}

DEV_FACTS = {
    # .doc, header laid out with tab stops; the motto's "Độc" is split into two runs.
    "01": Metadata(
        issuer="Trường MN Ninh Lai",
        issuer_lines=NINH_LAI,
        number="21/KH-Ntr",
        place="Sơn Thuỷ",
        date="2025-09-19",
        date_text="Sơn Thuỷ, ngày 19 tháng 9 năm 2025",
        kind="kế hoạch",
        title="KẾ HOẠCH QUẢN LÝ, BẢO QUẢN VÀ SỬ DỤNG ĐỒ DÙNG, THIẾT BỊ DẠY HỌC Năm học 2025 - 2026",
        school_year="2025-2026",
    ),
    # .docx header table: two paragraphs per cell; "Số: 36/KH- Ntr" has a stray space.
    "02": Metadata(
        issuer="Trường MN Ninh Lai",
        issuer_lines=NINH_LAI,
        number="36/KH-Ntr",
        place="Ninh Lai",
        date="2025-09-15",
        date_text="Ninh Lai, ngày 15 tháng 9 năm 2025",
        kind="kế hoạch",
        title="KẾ HOẠCH Thực hiện công tác vệ sinh môi trường, lớp học năm học 2025 - 2026",
        school_year="2025-2026",
    ),
    # No header at all: a heading "CHẾ ĐỘ CHÍNH SÁCH CỦA TRẺ", then "I. Căn cứ thẩm định".
    "03": Metadata(),
    # .docx header table with "-------" rules under the issuer and the motto.
    "04": Metadata(
        issuer="Bộ GD&ĐT",
        issuer_lines=["BỘ GIÁO DỤC VÀ ĐÀO TẠO"],
        number="4222/QĐ-BGDĐT",
        place="Hà Nội",
        date="2024-12-27",
        date_text="Hà Nội, ngày 27 tháng 12 năm 2024",
        kind="quyết định",
        title="QUYẾT ĐỊNH VỀ VIỆC BAN HÀNH BỘ CHUẨN PHÁT TRIỂN TRẺ EM 5 TUỔI",
    ),
    # First page missing (starts inside Điều 2): a signing stamp and page numbers, no header.
    "05": Metadata(),
    "06": Metadata(),
    # Signed PDF: number and day/month are stamped in signature fields, not in the page text.
    "07": Metadata(
        issuer="Bộ GD&ĐT",
        issuer_lines=["BỘ GIÁO DỤC VÀ ĐÀO TẠO"],
        number="1239/BGDĐT-QLCL",
        place="Hà Nội",
        date="2025-03-24",
        date_text="Hà Nội, ngày 24 tháng 3 năm 2025",
        subject="hướng dẫn một số nội dung tổ chức Kỳ thi tốt nghiệp trung học phổ thông năm 2025",
        kind="công văn",
        recipients=["Các Sở Giáo dục và Đào tạo", "Cục Nhà trường – Bộ Quốc phòng"],
    ),
    "08": Metadata(
        issuer="Sở GD&ĐT tỉnh Đồng Tháp",
        issuer_lines=["UBND TỈNH ĐỒNG THÁP", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"],
        number="362/KH-SGDĐT",
        place="Đồng Tháp",
        date="2026-04-14",
        date_text="Đồng Tháp, ngày 14 tháng 4 năm 2026",
        kind="kế hoạch",
        title=(
            "KẾ HOẠCH Đón tiếp và làm việc với Đoàn kiểm tra của Bộ Giáo dục và Đào tạo về việc kiểm"
            " tra, khảo sát, đánh giá thực trạng sử dụng phòng học bộ môn, thiết bị dạy học trong thực"
            " hiện giáo dục STEM tại các cơ sở giáo dục trên địa bàn tỉnh Đồng Tháp"
        ),
    ),
    "09": Metadata(
        issuer="Trường THPT Cao Lãnh 2",
        issuer_lines=["SỞ GDĐT TỈNH ĐỒNG THÁP", "TRƯỜNG THPT CAO LÃNH 2"],
        number="58/KH-THPTCL2",
        place="Đồng Tháp",
        date="2026-04-15",
        date_text="Đồng Tháp, ngày 15 tháng 4 năm 2026",
        kind="kế hoạch",
        title="KẾ HOẠCH Tổ chức sinh hoạt chuyên môn môn Lịch sử Cụm 2 năm học 2025 - 2026",
        school_year="2025-2026",
    ),
    # Crawled Markdown: cells between "|" lines, hard-wrapped lines, ** and * emphasis.
    "10": Metadata(
        issuer="Sở GD&ĐT thành phố Hà Nội",
        issuer_lines=["UBND THÀNH PHỐ HÀ NỘI", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"],
        number="5095/SGDĐT-CTTTHSSV",
        place="Hà Nội",
        date="2025-12-03",
        date_text="Hà Nội, ngày 03 tháng 12 năm 2025",
        subject=(
            "tăng cường các biện pháp cấp bách về kiểm soát ô nhiễm môi trường không khí trên địa bàn"
            " Thành phố"
        ),
        kind="công văn",
        recipients=["UBND các xã, phường", "Các đơn vị, cơ sở giáo dục trực thuộc"],
    ),
    "11": Metadata(
        issuer="HĐND thành phố Hà Nội",
        issuer_lines=["HỘI ĐỒNG NHÂN DÂN", "THÀNH PHỐ HÀ NỘI"],
        number="60/2025/NQ-HĐND",
        place="Hà Nội",
        date="2025-11-27",
        date_text="Hà Nội, ngày 27 tháng 11 năm 2025",
        kind="nghị quyết",
        title=(
            "NGHỊ QUYẾT QUY ĐỊNH DANH MỤC CÁC KHOẢN THU VÀ MỨC THU, CƠ CHẾ QUẢN LÝ THU, CHI ĐỐI VỚI"
            " CÁC DỊCH VỤ PHỤC VỤ, HỖ TRỢ HOẠT ĐỘNG GIÁO DỤC, ĐÀO TẠO ĐỐI VỚI CƠ SỞ GIÁO DỤC MẦM NON,"
            " GIÁO DỤC PHỔ THÔNG, GIÁO DỤC THƯỜNG XUYÊN CÔNG LẬP (KHÔNG BAO GỒM CÁC CƠ SỞ GIÁO DỤC"
            " CÔNG LẬP CHẤT LƯỢNG CAO) CỦA THÀNH PHỐ HÀ NỘI"
        ),
    ),
    "12": Metadata(
        issuer="HĐND tỉnh Vĩnh Long",
        issuer_lines=["HỘI ĐỒNG NHÂN DÂN", "TỈNH VĨNH LONG"],
        number="20/2025/NQ-HĐND",
        place="Vĩnh Long",
        date="2025-11-18",
        date_text="Vĩnh Long, ngày 18 tháng 11 năm 2025",
        kind="nghị quyết",
        title=(
            "NGHỊ QUYẾT QUY ĐỊNH MỨC HỌC PHÍ ĐỐI VỚI CƠ SỞ GIÁO DỤC CÔNG LẬP VÀ MỨC HỖ TRỢ HỌC PHÍ ĐỐI"
            " VỚI TRẺ EM, HỌC SINH DÂN LẬP, TƯ THỤC NĂM HỌC 2025 - 2026 TRÊN ĐỊA BÀN TỈNH VĨNH LONG"
        ),
        school_year="2025-2026",
    ),
    # Markdown pipe table for the header, "-------" rules inside its cells.
    "13": Metadata(
        issuer="UBND tỉnh Bình Định",
        issuer_lines=["ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH"],
        number="518/QĐ-UBND",
        place="Bình Định",
        date="2023-02-23",
        date_text="Bình Định, ngày 23 tháng 02 năm 2023",
        kind="quyết định",
        title=(
            "QUYẾT ĐỊNH VỀ VIỆC PHÂN BỔ CHI TIẾT DANH MỤC VÀ KẾ HOẠCH VỐN NĂM 2023 THỰC HIỆN ĐỀ ÁN ĐẢM"
            " BẢO CƠ SỞ VẬT CHẤT CHO CHƯƠNG TRÌNH GIÁO DỤC MẦM NON VÀ GIÁO DỤC PHỔ THÔNG TRÊN ĐỊA BÀN"
            " TỈNH BÌNH ĐỊNH GIAI ĐOẠN 2022-2025 VÀ ĐỀ ÁN NÂNG CAO NĂNG LỰC HOẠT ĐỘNG HỆ THỐNG Y TẾ CƠ"
            " SỞ CỦA TỈNH BÌNH ĐỊNH GIAI ĐOẠN 2022-2025"
        ),
    ),
}


def _only(folder: Path, prefix: str) -> Path:
    (path,) = folder.glob(prefix + "_*")
    return path


@pytest.mark.parametrize("prefix", sorted(SAMPLE_FACTS))
def test_sample_header_facts(prefix):
    assert parse_file(_only(SAMPLES, prefix)).metadata == SAMPLE_FACTS[prefix]


@pytest.mark.skipif(not DEV.is_dir(), reason="shared dev corpus not available")
@pytest.mark.parametrize("prefix", sorted(DEV_FACTS))
def test_dev_header_facts(prefix):
    assert parse_file(_only(DEV, prefix)).metadata == DEV_FACTS[prefix]
