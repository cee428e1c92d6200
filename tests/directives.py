"""Directives written by the tests, in the formats admins receive."""
from __future__ import annotations

from pathlib import Path

import docx
from fpdf import FPDF

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian package fonts-dejavu-core


def directive_lines(school: str = "HOA MAI", number: str = "45/KH-MNHM", deadline: str = "15/12/2024",
                    year: str = "2024-2025") -> list[str]:
    start = year.split("-")[0]
    return [
        "UBND QUẬN CẦU GIẤY",
        f"TRƯỜNG MẦM NON {school}",
        f"Số: {number}",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Cầu Giấy, ngày 20 tháng 9 năm {start}",
        "KẾ HOẠCH",
        f"Thực hiện nhiệm vụ năm học {year}",
        f"Căn cứ hướng dẫn nhiệm vụ năm học {year} của Phòng GD&ĐT quận Cầu Giấy;",
        "I. MỤC TIÊU",
        "1. Chăm sóc sức khỏe",
        "a) Chỉ tiêu",
        "- 100% trẻ được khám sức khỏe định kỳ hai lần trong năm học.",
        "- Phấn đấu giảm tỷ lệ trẻ thấp còi xuống dưới 3%.",
        "II. LỊCH CÔNG TÁC",
        f"* Tháng 12/{start}",
        f"- Tổ chức hội thi bé khỏe bé ngoan cấp trường, nộp danh sách đăng ký về ban giám hiệu trước ngày {deadline};",
        "- Kiểm tra nội bộ.",
        f"* Tháng 01/{int(start) + 1}",
        "- Tổng kết học kỳ I.",
        "Nơi nhận:",
        "- Lưu: VT.",
        "HIỆU TRƯỞNG",
    ]


def write_txt(path: Path, **kwargs) -> Path:
    path.write_text("\n".join(directive_lines(**kwargs)), encoding="utf-8")
    return path


def write_docx(path: Path, **kwargs) -> Path:
    document = docx.Document()
    lines = directive_lines(**kwargs)
    for line in lines[:lines.index("II. LỊCH CÔNG TÁC") + 1]:
        document.add_paragraph(line)
    # The month schedule as a table whose month cell is blank on continuation rows.
    rows = [(lines[15].lstrip("* "), lines[16].lstrip("- ")), ("", lines[17].lstrip("- ")),
            (lines[18].lstrip("* "), lines[19].lstrip("- "))]
    table = document.add_table(rows=len(rows), cols=2)
    for r, (month, task) in enumerate(rows):
        table.cell(r, 0).text = month
        table.cell(r, 1).text = task
    for line in lines[20:]:
        document.add_paragraph(line)
    document.save(path)
    return path


def write_pdf(path: Path, **kwargs) -> Path:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for line in directive_lines(**kwargs):
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def write_directive(path: Path, body: list[str], issuer: tuple[str, ...] = ("UBND QUẬN CẦU GIẤY", "TRƯỜNG MẦM NON HOA MAI"),
                    number: str = "45/KH-MNHM", place_date: str = "Cầu Giấy, ngày 20 tháng 9 năm 2023",
                    title: tuple[str, ...] = ("KẾ HOẠCH", "Thực hiện nhiệm vụ năm học 2023-2024")) -> Path:
    """A directive with the given body lines under a standard header, as .txt or .docx by suffix.
    In a .docx, consecutive lines holding a tab become one Word table (cells split at the tabs),
    as a month schedule is usually laid out."""
    lines = [*issuer, f"Số: {number}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
             place_date, *title, *body, "Nơi nhận:", "- Lưu: VT."]
    if path.suffix == ".txt":
        path.write_text("\n".join(lines), encoding="utf-8")
        return path
    document = docx.Document()
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for r, cells in enumerate(rows):
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
            rows.clear()

    for line in lines:
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        flush()
        document.add_paragraph(line)
    flush()
    document.save(path)
    return path


def two_schools(folder: Path):
    """Two schools' plans for the same contest with different deadlines, loaded into a home in
    `folder` with the hash embedder: the chat tests' library (a bot.core.api.Congvan)."""
    from bot.core.api import Congvan
    from tests.conftest import HashEmbedder

    cv = Congvan(folder / "home", embedder=HashEmbedder())
    for path in [write_txt(folder / "hoa-mai.txt"),
                 write_txt(folder / "sen-hong.txt", school="SEN HỒNG", number="12/KH-MNSH", deadline="20/12/2024")]:
        assert cv.ingest_file(path).action == "added"
    return cv
