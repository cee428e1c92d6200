"""One settings object read from the environment and .env, and one clock in the users' zone."""
from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core import config
from bot.core.api import Congvan, default_home
from bot.core.clock import Clock, clock
from bot.core.config import SettingsError, load, settings
from bot.core.scope import current_school_year
from bot.channels.telegram_html import render

from .directives import write_directive


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A process with no CONGVAN_* variables, no settings read yet, in a folder of its own."""
    for name in [n for n in os.environ if n.startswith("CONGVAN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(config, "_current", None)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_the_environment_and_a_dotenv_file_fill_one_settings_object(environment, tmp_path):
    (tmp_path / ".env").write_text("CONGVAN_HOME=/srv/congvan\nCONGVAN_EMBEDDER=hash:64\nCONGVAN_REMINDER_DAYS=2\n"
                                   "OTHER_TOOL=1\n", encoding="utf-8")
    environment.setenv("CONGVAN_REMINDER_DAYS", "5")  # the environment wins over the file
    loaded = settings()
    assert (str(loaded.home), loaded.embedder, loaded.reminder_days) == ("/srv/congvan", "hash:64", 5)
    assert str(loaded.timezone) == "Asia/Ho_Chi_Minh" and settings() is loaded
    assert default_home() == loaded.home


def test_a_serve_started_with_another_env_file_finds_its_home_there(environment, tmp_path):
    env_file = tmp_path / "bot.env"
    env_file.write_text("CONGVAN_HOME=/srv/truong-hoa-mai\nCONGVAN_TIMEZONE=Asia/Bangkok\n", encoding="utf-8")
    load(env_file)
    assert default_home().name == "truong-hoa-mai" and clock().zone == ZoneInfo("Asia/Bangkok")


@pytest.mark.parametrize("variable, value, words", [
    ("CONGVAN_TIMEZONE", "Hanoi", "không có múi giờ 'Hanoi'"),
    ("CONGVAN_REMINDER_DAYS", "ba", "phải là số nguyên ≥ 0"),
    ("CONGVAN_BROADCAST_TIME", "7 giờ sáng", "phải có dạng HH:MM"),
    ("CONGVAN_TELEGRAM_ADMINS", "12, cô Lan", "không hiểu: cô, Lan"),
    ("CONGVAN_TELEGRAM_WEBHOOK_PORT", "0", "phải là số nguyên ≥ 1"),
])
def test_a_bad_value_says_which_variable_and_why_in_vietnamese(environment, variable, value, words):
    environment.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        settings()
    assert str(error.value).startswith(variable) and words in str(error.value)


def test_today_is_the_users_day_whatever_zone_the_server_keeps():
    # 20:00 UTC on 31 July is 03:00 on 1 August in Hồ Chí Minh City: a new school year there.
    late = Clock(ZoneInfo("Asia/Ho_Chi_Minh"), lambda: datetime(2024, 7, 31, 20, 0, tzinfo=UTC))
    assert late.today() == date(2024, 8, 1) and late.now().hour == 3
    assert current_school_year([], late.today()) == "2024-2025"
    # A naive time from a test is local time already.
    assert Clock.fixed(datetime(2024, 12, 5, 9, 0), ZoneInfo("Asia/Ho_Chi_Minh")).now().hour == 9


@pytest.mark.model
def test_a_fixed_clock_decides_what_falls_due_and_which_year_is_current(tmp_path):
    files = tmp_path / "files"
    files.mkdir()
    write_directive(files / "ke-hoach.txt", ["I. NHIỆM VỤ", "- Nộp sổ điểm danh ngày 25 hàng tháng."])
    cv = Congvan(tmp_path / "home", clock=Clock.fixed(datetime(2023, 12, 20, 9, 0), ZoneInfo("Asia/Ho_Chi_Minh")))
    cv.ingest([files])
    assert [t["due"] for t in cv.tasks(upcoming_days=7)] == ["2023-12-25"]
    later = Congvan(tmp_path / "home", clock=Clock.fixed(datetime(2024, 1, 26, 9, 0), ZoneInfo("Asia/Ho_Chi_Minh")))
    assert later.tasks(upcoming_days=7) == []


@pytest.mark.model
def test_the_upload_summary_counts_the_tasks_it_read(tmp_path):
    path = write_directive(tmp_path / "ke-hoach.txt", ["I. NHIỆM VỤ", "- Nộp sổ điểm danh ngày 25 hàng tháng.",
                                                       "- Gửi báo cáo sơ kết chậm nhất ngày 05/01/2024."])
    cv = Congvan(tmp_path / "home")
    added, unchanged = cv.ingest_file(path), cv.ingest_file(path)
    assert (added.action, added.tasks, unchanged.action, unchanged.tasks) == ("added", 2, "unchanged", 2)
    assert "· nhiệm vụ: 2" in render("ingest", r=added)


def test_the_command_line_stops_on_a_bad_setting_with_its_reason(environment):
    from typer.testing import CliRunner

    from bot.channels.cli import app

    environment.setenv("CONGVAN_TIMEZONE", "Hanoi")
    result = CliRunner().invoke(app, ["docs"])
    assert result.exit_code == 2 and "CONGVAN_TIMEZONE không có múi giờ 'Hanoi'" in result.output
