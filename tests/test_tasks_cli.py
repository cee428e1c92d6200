"""`congvan tasks` and the task/unit API as a teacher and the bots use them, on a real index."""
from __future__ import annotations

import json
import sqlite3
from datetime import date

import icalendar
import pytest
from typer.testing import CliRunner

from bot.core.api import Congvan
from bot.channels.cli import app
from index.store import PARSER_VERSION, Store

from .directives import write_directive

pytestmark = pytest.mark.model  # homes ingested with the bundled model

runner = CliRunner()


def run(*args, home):
    return runner.invoke(app, ["tasks", *args, "--home", str(home)], catch_exceptions=False, terminal_width=250)


def run_json(*args, home):
    result = run(*args, "--json", home=home)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- the five samples ---------------------------------------------------------------------------

def test_month_filter_takes_either_spelling_and_keeps_only_that_month(loaded_home):
    december = run_json("--month", "12/2023", home=loaded_home)
    assert december == run_json("--month", "2023-12", home=loaded_home)
    for t in december:
        in_heading = "2023-12" in t["month"].split(",")
        overlaps = (t["deadline_start"] or "9") <= "2023-12-31" and (t["deadline_end"] or "0") >= "2023-12-01"
        assert in_heading or overlaps, t
    texts = {(t["issuer"], t["deadline_label"], t["text"]) for t in december}
    assert ("Phòng GD&ĐT Hồng Bàng", "trước 15/12/2023",
            "Tổ chức cân - đo, theo dõi biểu đồ tăng trưởng của trẻ lần 2 (hoàn thành trước ngày 15/12)") in texts
    assert ("Trường MN Sao Sáng", "trước 20/12/2023",
            "Cân đo chấm biểu đồ đợt 2 cho trẻ (nộp kết quả về PGD trước ngày 20/12/2023)") in texts
    # Long Biên's December 2022 directive is another year's December.
    assert not any(t["school_year"] == "2022-2023" for t in december)
    # Undated items of the month are listed too, for the start-of-month message.
    assert any(t["text"] == "Kiểm tra nội bộ" and not t["deadline_start"] for t in december)


def test_issuer_and_unit_filters(loaded_home):
    hong_bang = run_json("--issuer", "Hồng Bàng", home=loaded_home)
    assert hong_bang and {t["issuer"] for t in hong_bang} == {"Phòng GD&ĐT Hồng Bàng"}
    assert run_json("--issuer", "phong gd hong bang", home=loaded_home) == hong_bang
    sao_sang = run_json("--unit", "sao sang", "--month", "3/2024", home=loaded_home)
    assert sao_sang and {t["unit"] for t in sao_sang} == {"Trường MN Sao Sáng"}
    typo = next(t for t in sao_sang if t["deadline_text"] == "hoàn thành trước 20/3/2023")
    assert typo["year_conflict"] and typo["deadline_start"] == "2023-03-20"
    assert "kiểm tra lại" in typo["deadline_label"]


def test_table_groups_by_month_and_issuer(loaded_home):
    result = run("--month", "12/2023", home=loaded_home)
    assert result.exit_code == 0
    out = result.output
    assert "Tháng 12/2023 · Phòng GD&ĐT Hồng Bàng" in out and "Tháng 12/2023 · Trường MN Sao Sáng" in out
    assert "Hạn" in out and "Công việc" in out and "trước 15/12/2023" in out
    assert out.index("Phòng GD&ĐT Hồng Bàng") < out.index("Trường MN Sao Sáng")


def test_upcoming_lists_what_falls_due_in_the_next_days_by_date(loaded_home):
    upcoming = run_json("--upcoming", "10", "--today", "2023-12-08", home=loaded_home)
    dues = [t["due"] for t in upcoming]
    assert dues == sorted(dues) and dues[0] == "2023-12-10" and dues[-1] == "2023-12-15"
    assert len([d for d in dues if d == "2023-12-15"]) == 4  # Hồng Bàng's four 15/12 deadlines
    assert "2023-12-20" not in dues
    result = run("--upcoming", "10", "--today", "2023-12-08", home=loaded_home)
    assert "Việc đến hạn trong 10 ngày tới (từ 08/12/2023)" in result.output


def test_ics_is_a_valid_calendar_of_the_dated_tasks_with_stable_uids(loaded_home, tmp_path):
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    result = run("--ics", str(first), home=loaded_home)
    assert result.exit_code == 0 and str(first) in result.output
    run("--ics", str(second), home=loaded_home)
    calendar = icalendar.Calendar.from_ical(first.read_bytes())
    events = list(calendar.walk("VEVENT"))
    dated = [t for t in Congvan(loaded_home).tasks() if (t["deadline_start"] or "")[:1].isdigit() or t["recurring"]]
    assert len(events) == len(dated) > 30
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert uids == [str(e["UID"]) for e in icalendar.Calendar.from_ical(second.read_bytes()).walk("VEVENT")]
    event = next(e for e in events if "trẻ lần 2" in str(e["SUMMARY"]) and "Hồng Bàng" in str(e["DESCRIPTION"]))
    assert event.decoded("DTSTART") == date(2023, 12, 15) and event.decoded("DTEND") == date(2023, 12, 16)
    assert "Nhiệm vụ trọng tâm tháng GDMN" in str(event["DESCRIPTION"])  # the source document
    assert "hoàn thành trước ngày 15/12" in str(event["DESCRIPTION"])
    assert [str(a["TRIGGER"].dt) for a in event.walk("VALARM")] == ["-1 day, 0:00:00"]
    recurring = next(e for e in events if "RRULE" in e)
    assert recurring["RRULE"]["FREQ"] == ["MONTHLY"] and recurring["RRULE"]["BYMONTHDAY"] == [25]


def test_bad_month_and_unknown_unit_say_why(loaded_home):
    result = run("--month", "13/2023", home=loaded_home)
    assert result.exit_code == 1 and "Không có tháng 13" in result.output
    result = run("--unit", "MN Hoa Hồng", home=loaded_home)
    assert result.exit_code == 1 and "Không tìm thấy đơn vị «MN Hoa Hồng»" in result.output
    assert "Trường MN Sao Sáng" in result.output  # what the user could have typed


# --- a district: a school, its office, and another district's office -------------------------------

SCHOOL = [
    "I. NHIỆM VỤ",
    "- Các tổ cập nhật bài giảng điện tử ngày 25 hàng tháng.",
    "II. LỊCH CÔNG TÁC",
    "* Tháng 12/2023",
    "- Cân đo lần 2 (nộp kết quả trước ngày 20/12/2023);",
    "- Kiểm tra nội bộ.",
]
OFFICE = ["I. CÔNG TÁC CHUYÊN MÔN", "- Các trường nộp báo cáo học kỳ I về Phòng trước ngày 28/12/2023."]
OTHER_OFFICE = ["I. CÔNG TÁC CHUYÊN MÔN", "- Các trường nộp số liệu thống kê trước ngày 22/12/2023."]


def office(district_upper: str, district: str, number: str):
    return dict(issuer=(f"UBND QUẬN {district_upper}", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"), number=number,
                place_date=f"{district}, ngày 01 tháng 12 năm 2023",
                title=("HƯỚNG DẪN", "Nhiệm vụ trọng tâm tháng 12 năm học 2023-2024"))


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("district")
    files = folder / "files"
    files.mkdir()
    write_directive(files / "hoa-mai.docx", SCHOOL)
    write_directive(files / "pgd-cau-giay.txt", OFFICE, **office("CẦU GIẤY", "Cầu Giấy", "88/PGDĐT-MN"))
    write_directive(files / "pgd-dong-da.txt", OTHER_OFFICE, **office("ĐỐNG ĐA", "Đống Đa", "12/PGDĐT"))
    home = folder / "home"
    assert [r.action for r in Congvan(home).ingest([files])] == ["added"] * 3
    return home, files


def test_units_and_what_a_user_types_for_them(district):
    cv = Congvan(district[0])
    units = {(u["name"], u["kind"], u["district"], u["documents"]) for u in cv.units()}
    assert units == {("Trường MN Hoa Mai", "school", "Cầu Giấy", 1),
                     ("Phòng GD&ĐT quận Cầu Giấy", "office", "Cầu Giấy", 1),
                     ("Phòng GD&ĐT quận Đống Đa", "office", "Đống Đa", 1)}
    for typed, name in [("MN Hoa Mai", "Trường MN Hoa Mai"), ("hoa mai", "Trường MN Hoa Mai"),
                        ("Trường mầm non Hoa Mai", "Trường MN Hoa Mai"), ("Cầu Giấy", "Phòng GD&ĐT quận Cầu Giấy"),
                        ("phong gd cau giay", "Phòng GD&ĐT quận Cầu Giấy"), ("PGD Đống Đa", "Phòng GD&ĐT quận Đống Đa")]:
        assert (cv.resolve_unit(typed) or {}).get("name") == name, typed
    assert cv.resolve_unit("MN Sao Sáng") is None and cv.resolve_unit("trường") is None


def test_a_schools_scope_is_its_own_and_its_district_offices_documents(district):
    cv = Congvan(district[0])
    school = {t["text"] for t in cv.tasks(unit="hoa mai")}
    assert "Các trường nộp báo cáo học kỳ I về Phòng trước ngày 28/12/2023." in school
    assert "Cân đo lần 2 (nộp kết quả trước ngày 20/12/2023)" in school
    assert not any("số liệu thống kê" in t for t in school)  # Đống Đa's schools, not Hoa Mai
    office_only = {t["unit"] for t in cv.tasks(unit="cầu giấy")}
    assert office_only == {"Phòng GD&ĐT quận Cầu Giấy"}
    assert cv.tasks(unit="không có đơn vị này") == []
    result = run("--unit", "MN Hoa Mai", "--month", "12/2023", home=district[0])
    assert "Tháng 12/2023 · Phòng GD&ĐT quận Cầu Giấy" in result.output
    assert "Tháng 12/2023 · Trường MN Hoa Mai" in result.output and "Đống Đa" not in result.output


def test_a_monthly_deadline_falls_due_on_its_next_day_within_the_school_year(district):
    cv = Congvan(district[0])
    soon = cv.tasks(unit="hoa mai", upcoming_days=7, today=date(2023, 12, 20))
    assert [(t["due"], t["deadline_label"]) for t in soon if t["recurring"]] == [("2023-12-25", "ngày 25 hằng tháng")]
    assert [t["due"] for t in cv.tasks(unit="hoa mai", upcoming_days=7, today=date(2024, 1, 26))
            if t["recurring"]] == []  # the next 25th is more than a week away
    assert [t for t in cv.tasks(upcoming_days=30, today=date(2024, 8, 10)) if t["recurring"]] == []  # year over
    event = next(e for e in icalendar.Calendar.from_ical(cv.tasks_ics(cv.tasks())).walk("VEVENT") if "RRULE" in e)
    assert event.decoded("DTSTART") == date(2023, 8, 25)
    assert event["RRULE"]["UNTIL"] == [date(2024, 7, 31)]


def test_reingesting_keeps_calendar_uids_and_removing_drops_tasks(district, tmp_path):
    home, files = district
    cv = Congvan(home)
    before = {str(e["UID"]) for e in icalendar.Calendar.from_ical(cv.tasks_ics(cv.tasks())).walk("VEVENT")}
    school = next(d for d in cv.documents() if d["unit"] == "Trường MN Hoa Mai")
    ids_before = {t["id"] for t in cv.tasks(unit="hoa mai")}
    cv.remove(school["id"])
    assert not any(t["document_id"] == school["id"] for t in cv.tasks())
    assert cv.store.db.execute("select count(*) from tasks where document_id = ?", [school["id"]]).fetchone()[0] == 0
    assert [r.action for r in cv.ingest([files / "hoa-mai.docx"])] == ["added"]
    after = {str(e["UID"]) for e in icalendar.Calendar.from_ical(cv.tasks_ics(cv.tasks())).walk("VEVENT")}
    assert after == before
    assert not ids_before & {t["id"] for t in cv.tasks(unit="hoa mai") if t["unit"] == "Trường MN Hoa Mai"}


def test_a_home_from_before_tasks_gains_the_table_and_units(tmp_path):
    Store(tmp_path)  # the current schema, then taken back to the first release's
    db = sqlite3.connect(tmp_path / "congvan.db")
    db.execute("drop table tasks")
    db.execute("drop table _sqlite_migrations")  # nor had it recorded any migration
    for column in ("unit", "unit_kind", "district"):
        db.execute(f"alter table documents drop column {column}")
    db.execute("insert into documents (file_name, sha256, parser_version, issuer, issuer_lines, place) values "
               "('a.txt', 'abc', 1, 'Trường MN Sao Sáng', ?, 'An Lão')",
               [json.dumps(["UBND HUYỆN AN LÃO", "TRƯỜNG MẦM NON SAO SÁNG"], ensure_ascii=False)])
    db.commit()
    db.close()
    store = Store(tmp_path)
    assert "tasks" in store.db.table_names()
    row = store.db.execute("select unit, unit_kind, district from documents").fetchone()
    assert row == ("Trường MN Sao Sáng", "school", "An Lão")
    assert store.document_by_sha256("abc") is None and PARSER_VERSION > 1  # parsed again on next ingest
