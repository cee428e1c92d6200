"""`congvan` on the command line: a thin layer over bot.core.api.Congvan."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

import prompts
from bot.core.api import Congvan, expand_paths
from bot.core.config import SettingsError, settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Hỏi đáp công văn, kế hoạch, hướng dẫn cho giáo viên mầm non.")
console = Console()
HomeOption = typer.Option(None, "--home", help="Data folder (default: CONGVAN_HOME, else the user data dir).")


@app.callback()
def _check_settings() -> None:
    # A bad CONGVAN_* value stops every command with its reason, not a traceback.
    try:
        settings()
    except SettingsError as error:
        console.print(str(error), highlight=False)
        raise typer.Exit(2)


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., help="Files or folders of directives."),
           replace: Optional[int] = typer.Option(
               None, "--replace", metavar="ID", help="The file is a new version of document ID: replace it."),
           add: bool = typer.Option(False, "--add", help="Add as new documents; replace nothing."),
           home: Optional[Path] = HomeOption):
    """Load directives (.docx, .doc, .pdf, .txt, .md). A file replaces a loaded document only when
    both are the same directive (same issuer, number and year; or same file name, issuer and
    mostly the same text); the replaced version stays in `congvan history`."""
    if replace is not None and add:
        console.print("Chọn một trong hai: --replace hoặc --add.")
        raise typer.Exit(2)
    cv = Congvan(home)
    files = {p.name: p for p in expand_paths(paths)}
    errors = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=errors, transient=True) as bar:
        task = bar.add_task("Đang nạp", total=None)
        try:
            results = cv.ingest(paths, progress=lambda name, done, total: bar.update(
                task, completed=done, total=total, description=f"Đang nạp {name}"), replace=replace, add=add,
                waiting=lambda: bar.console.print("Đang có tiến trình khác nạp văn bản, đang chờ…"))
        except ValueError as error:
            console.print(str(error), highlight=False)
            raise typer.Exit(2)
    table = Table("Tệp", "Kết quả", "Chi tiết", show_lines=False)
    labels = {"added": "đã thêm", "updated": "đã cập nhật", "unchanged": "không đổi", "failed": "lỗi"}
    for r in results:
        detail = r.reason if r.action == "failed" else f"#{r.document_id} {r.title} · {r.issuer} · {r.chunks} đoạn"
        if r.replaced is not None:
            detail += f" · thay #{r.replaced} (bản cũ ở «congvan history {r.document_id}»)"
        if r.pages_without_text:
            detail += f" · OCR {r.ocr_pages}/{r.pages_without_text} trang quét"
        table.add_row(r.file, labels[r.action], detail)
    console.print(table)
    for r in results:
        if r.ocr_pages < r.pages_without_text:
            console.print(f"{r.file}: OCR dừng ở giới hạn: đã đọc {r.ocr_pages}/{r.pages_without_text} trang quét, "
                          f"các trang sau không được nạp (giới hạn CONGVAN_MAX_OCR_PAGES={cv.limits.ocr_pages})",
                          highlight=False, soft_wrap=True)
        if r.maybe_replaces is not None:
            other = cv.document(r.maybe_replaces)
            console.print(
                f"{r.file}: đã thêm thành văn bản mới #{r.document_id}, nhưng có thể là bản mới của "
                f"#{r.maybe_replaces} {other['title'] if other else ''}. Nếu đúng, xoá bản vừa thêm rồi thay "
                f"bản cũ: congvan remove {r.document_id} && congvan ingest --replace {r.maybe_replaces} "
                f"\"{files.get(r.file, r.file)}\"",
                highlight=False, soft_wrap=True)  # unwrapped, so the commands copy whole
    counts = {a: sum(r.action == a for r in results) for a in labels}
    console.print(" · ".join(f"{labels[a]}: {n}" for a, n in counts.items()))
    if results and counts["failed"] == len(results):
        raise typer.Exit(1)
    if not results:
        console.print("Không có tệp nào để nạp.")
        raise typer.Exit(1)


@app.command()
def docs(home: Optional[Path] = HomeOption, as_json: bool = typer.Option(False, "--json")):
    """List loaded documents."""
    rows = Congvan(home).documents()
    if as_json:
        keep = ("id", "file_name", "title", "kind", "issuer", "number", "date", "school_year",
                "section_count", "chunk_count", "ingested_at")
        print(json.dumps([{k: r[k] for k in keep} for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table("ID", "Văn bản", "Cơ quan ban hành", "Số", "Ngày", "Năm học", "Đoạn")
    for r in rows:
        table.add_row(str(r["id"]), r["title"], r["issuer"], r["number"], r["date"], r["school_year"],
                      str(r["chunk_count"]))
    console.print(table)


@app.command()
def show(doc: str = typer.Argument(..., help="Document id or file name."), home: Optional[Path] = HomeOption):
    """Show a document's metadata and section tree."""
    cv = Congvan(home)
    d = cv.document(doc)
    if not d:
        console.print(f"Không có văn bản {doc}.")
        raise typer.Exit(1)
    for key, label in [("title", "Văn bản"), ("kind", "Loại"), ("issuer", "Cơ quan ban hành"),
                       ("number", "Số"), ("date_text", "Địa danh, ngày"), ("subject", "V/v"),
                       ("school_year", "Năm học"), ("recipients", "Kính gửi"), ("file_name", "Tệp"),
                       ("sha256", "SHA-256")]:
        value = ", ".join(json.loads(d[key])) if key == "recipients" else d[key]
        console.print(f"[bold]{label}:[/bold] {value or '—'}", highlight=False)
    console.print("[bold]Mục lục:[/bold]")
    for s in cv.sections(d["id"]):
        month = f"  [{s['month']}]" if s["month"] else ""
        console.print("  " * (s["level"] + 1) + f"{s['label']} {s['heading'][:90]}{month}", highlight=False)


@app.command()
def remove(doc: str = typer.Argument(..., help="Document id or file name."), home: Optional[Path] = HomeOption):
    """Remove a document and everything indexed from it (kept in `congvan history`)."""
    removed = Congvan(home).remove(doc, waiting=_say_waiting)
    if not removed:
        console.print(f"Không có văn bản {doc}.")
        raise typer.Exit(1)
    console.print(f"Đã xoá #{removed['id']} {removed['title']} (lấy lại: congvan restore {removed['version']})",
                  highlight=False)


@app.command()
def history(doc: Optional[int] = typer.Argument(None, help="Only this document's versions (its id)."),
            home: Optional[Path] = HomeOption):
    """Replaced and removed versions of documents; `congvan restore VERSION` brings one back."""
    versions = Congvan(home).history(doc)
    if not versions:
        console.print("Chưa có phiên bản cũ nào.")
        return
    table = Table("Phiên bản", "Lúc", "Việc", "Văn bản", "Tệp")
    for v in versions:
        what = f"bị thay bằng #{v['replaced_by']}" if v["action"] == "replaced" else "bị xoá"
        if v["restored_as"] is not None:
            what += f", đã khôi phục thành #{v['restored_as']}"
        table.add_row(str(v["id"]), v["at"], what, f"#{v['document_id']} {v['title']}", v["file_name"])
    console.print(table)


@app.command()
def restore(version: int = typer.Argument(..., help="Version number, from `congvan history`."),
            home: Optional[Path] = HomeOption):
    """Bring back a replaced or removed version; the document that replaced it is kept as a version."""
    restored = Congvan(home).restore_version(version, waiting=_say_waiting)
    if restored is None:
        console.print(f"Không có phiên bản {version}.")
        raise typer.Exit(1)
    document, replaced = restored
    console.print(f"Đã khôi phục phiên bản {version} thành #{document['id']} {document['title']}"
                  + (f"; #{replaced} được lưu vào lịch sử" if replaced is not None else ""), highlight=False)


def _say_waiting() -> None:
    Console(stderr=True).print("Đang có tiến trình khác nạp văn bản, đang chờ…")


@app.command()
def ask(question: str, home: Optional[Path] = HomeOption, as_json: bool = typer.Option(False, "--json"),
        unit: Optional[str] = typer.Option(
            None, "--unit", help="Your school or office, e.g. \"MN Sao Sáng\": its directives come first."),
        explain: bool = typer.Option(False, "--explain", help="Show how the question was read and searched.")):
    """Ask a question; the answer cites its sources."""
    cv = Congvan(home)
    if unit and not cv.resolve_unit(unit):
        names = ", ".join(u["name"] for u in cv.units()) or "chưa có văn bản nào"
        console.print(f"Không tìm thấy đơn vị «{unit}» trong các văn bản đã nạp. Các đơn vị: {names}.",
                      highlight=False)
        raise typer.Exit(1)
    answer = cv.ask(question, unit=unit, explain=explain)
    if as_json:
        print(json.dumps(_json(answer), ensure_ascii=False, indent=2))
        return
    if explain:
        console.print(_explanation(answer.trace))
    print(prompts.render("text", "answer", answer=answer))


def _json(answer) -> dict:
    """The answer's data, with its plain-text rendering as "answer" (what the eval checks for the fact)."""
    data = answer.to_json()
    return {"question": data.pop("question"), "answer": prompts.render("text", "answer", answer=answer), **data}


def _explanation(trace: dict) -> Group:
    forms = {"accented": "có dấu", "unaccented": "không dấu", "mixed": "lẫn có dấu và không dấu"}
    restored = ", ".join(f"{r['typed']} → {r['restored']}" + (f" (hoặc {' / '.join(r['alternatives'])})"
                                                           if r["alternatives"] else "")
                         for r in trace["restored"])
    steps = Table.grid(padding=(0, 2))
    for label, value in [
        ("Câu hỏi", trace["question"]),
        ("Bỏ lời chào, kính ngữ", " ".join(trace["stripped"]) or "—"),
        ("Cách gõ", forms[trace["form"]]),
        ("Thêm dấu", restored or "—"),
        ("Viết tắt, từ đồng nghĩa", ", ".join(trace["expansions"]) or "—"),
        ("Loại câu hỏi", trace["intent"]),
        ("Câu đưa vào mô hình", " | ".join(trace["embedded"])),
        ("Truy vấn từ khóa (FTS5)", trace["keyword_query"]),
        ("Từ dùng để đo độ phủ", " ".join(trace["coverage_words"])),
        ("Độ tin cậy", _confidence_line(trace)),
    ]:
        steps.add_row(f"[bold]{label}[/bold]", Text(value))
    hits = Table("#", "Điểm", "BM25", "Cosine", "Độ phủ", "Văn bản", "Mục", title="Đoạn tìm được")
    for i, h in enumerate(trace["hits"], 1):
        hits.add_row(str(i), f"{h['score']:.3f}", f"{h['bm25']:.3f}", f"{h['cosine']:.3f}",
                     f"{h['coverage']:.2f}", h["document"], Text(h["section"][-60:]))
    return Group(steps, hits)


def _confidence_line(trace: dict) -> str:
    levels = {"high": "cao (trả lời)", "low": "thấp (đưa các đoạn gần nhất để kiểm tra)", "none": "không (không trả lời)"}
    signals = trace.get("signals") or {}
    details = ", ".join(f"{name} {value:.2f}" for name, value in signals.items())
    return levels.get(trace.get("confidence", ""), "—") + (f" · {details}" if details else "")


@app.command()
def chat(home: Optional[Path] = HomeOption):
    """Ask in a loop, as the chat bots answer: typed commands ("đơn vị", "tháng 12", "hạn") and
    numbered choices too (empty line or Ctrl-D to quit). The chat's unit is remembered."""
    import getpass

    from bot.chat.service import ChatService

    from .plain_text import TextConversation

    conversation = TextConversation(ChatService.from_settings(Congvan(home), settings()), "cli", limit=1_000_000)
    user = getpass.getuser()
    console.print("Hỏi về các văn bản đã nạp. Dòng trống để thoát.")
    while True:
        try:
            text = input("❓ ").strip()
        except EOFError:
            break
        if not text:
            break
        for message in conversation.reply(user, user, user, text):
            print(message + "\n")


@app.command()
def tasks(month: Optional[str] = typer.Option(None, "--month", help="A month: 12/2023 or 2023-12."),
          issuer: Optional[str] = typer.Option(None, "--issuer", help='Issuing body as typed, e.g. "Hồng Bàng".'),
          unit: Optional[str] = typer.Option(None, "--unit", help='Your school or office, e.g. "MN Sao Sáng".'),
          upcoming: Optional[int] = typer.Option(None, "--upcoming", min=0, help="Only tasks due in the next N days."),
          as_json: bool = typer.Option(False, "--json"),
          ics: Optional[Path] = typer.Option(None, "--ics", help="Write the dated tasks to this iCalendar file."),
          today: Optional[str] = typer.Option(None, "--today", hidden=True, help="Count days from this ISO date."),
          home: Optional[Path] = HomeOption):
    """List the tasks and deadlines of the loaded directives, by month and issuer."""
    from datetime import date

    from bot.core.tasks import month_label, today_here

    cv = Congvan(home)
    if unit and cv.resolve_unit(unit) is None:
        known = ", ".join(u["name"] for u in cv.units()) or "chưa có văn bản nào"
        console.print(f"Không tìm thấy đơn vị «{unit}». Các đơn vị đã có: {known}.", highlight=False)
        raise typer.Exit(1)
    try:
        day = date.fromisoformat(today) if today else today_here()
        rows = cv.tasks(month=month, issuer=issuer, unit=unit, upcoming_days=upcoming, today=day)
    except ValueError as error:
        console.print(str(error), highlight=False)
        raise typer.Exit(1)
    if ics:
        data = cv.tasks_ics(rows, today=day)
        ics.write_bytes(data)
        console.print(f"Đã ghi {data.count(b'BEGIN:VEVENT')} việc có hạn vào {ics}", highlight=False)
        return
    if as_json:
        keep = ("id", "document_id", "chunk_id", "month", "text", "deadline_start", "deadline_end",
                "deadline_text", "deadline_kind", "recurring", "year_conflict", "due", "deadline_label",
                "issuer", "unit", "school_year", "title", "number", "section")
        print(json.dumps([{k: r[k] for k in keep} for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("Không có công việc nào phù hợp.")
        return
    if upcoming is not None:
        table = Table("Hạn", "Công việc", "Cơ quan ban hành",
                      title=f"Việc đến hạn trong {upcoming} ngày tới (từ {day:%d/%m/%Y})")
        for r in rows:
            table.add_row(r["deadline_label"], r["text"], r["issuer"])
        console.print(table)
        return
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["month"] or (r["due"] or "")[:7], r["issuer"]), []).append(r)
    for (group_month, group_issuer), items in groups.items():
        table = Table("Hạn", "Công việc", "Văn bản", title=f"{month_label(group_month)} · {group_issuer}",
                      title_justify="left")
        for r in items:
            table.add_row(r["deadline_label"] or "—", r["text"], f"#{r['document_id']} {r['number'] or r['title']}")
        console.print(table)


@app.command("eval")
def evaluate(files: list[Path] = typer.Argument(..., help="Question files (../shared/eval format)."),
             corpus: Optional[list[Path]] = typer.Option(
                 None, "--corpus", help="The directives each question file is about, in the same order: "
                 "each set is then loaded into its own folder under the home (eval-<file name>), so sets "
                 "never answer from each other's documents."),
             home: Optional[Path] = HomeOption, as_json: bool = typer.Option(False, "--json")):
    """Score answers on one or more question sets, side by side: recall of search, hits and
    correctness of the answers, abstention, latency."""
    from bot.core.api import default_home
    from bot.core.evaluate import evaluate_file, report_json
    from .eval_table import format_report

    if corpus and len(corpus) != len(files):
        console.print("Cần một --corpus cho mỗi tệp câu hỏi (cùng thứ tự).")
        raise typer.Exit(2)
    reports = {}
    for i, file in enumerate(files):
        set_home = home
        if corpus:
            set_home = (home or default_home()) / f"eval-{file.stem}"
            failed = [r for r in Congvan(set_home).ingest([corpus[i]]) if r.action == "failed"]
            for r in failed:
                console.print(f"{r.file}: {r.reason}", highlight=False)
        cv = Congvan(set_home)
        reports[file.stem.removesuffix("_questions")] = evaluate_file(lambda q: _eval_response(cv.ask(q)), file, with_items=as_json,
                                           restore=cv.restore)
    if as_json:
        print(report_json(reports if len(reports) > 1 else next(iter(reports.values())), with_items=True))
    else:
        Console(width=max(console.width, 150)).print(format_report(reports))


def _eval_response(answer) -> dict:
    return {**_json(answer), "retrieved": answer.retrieved}


serve_app = typer.Typer(no_args_is_help=True, help="Run a chat bot over the same API.")
app.add_typer(serve_app, name="serve")


@serve_app.command("telegram")
def serve_telegram(home: Optional[Path] = HomeOption,
                   env_file: Optional[Path] = typer.Option(None, "--env-file", help="Settings file (default ./.env).")):
    """The Telegram bot: long polling, or a webhook when CONGVAN_TELEGRAM_WEBHOOK_URL is set."""
    from bot.core.config import load_telegram_settings
    from .telegram import run

    settings = _channel_settings(load_telegram_settings, env_file)
    mode = f"webhook {settings.telegram_webhook_url}" if settings.telegram_webhook_url else "long polling"
    console.print(f"Bot Telegram đang chạy ({mode}); Ctrl-C để dừng.", highlight=False)
    run(settings, Congvan(home))


@serve_app.command("zalo-oa")
def serve_zalo_oa(home: Optional[Path] = HomeOption,
                  env_file: Optional[Path] = typer.Option(None, "--env-file", help="Settings file (default ./.env).")):
    """The Zalo Official Account: a webhook server for the events Zalo sends (put it behind HTTPS)."""
    from bot.core.config import load_zalo_oa_settings

    from .zalo_oa import serve

    settings = _channel_settings(load_zalo_oa_settings, env_file)
    console.print(f"Zalo OA đang nhận webhook tại {settings.zalo_oa_webhook_listen}:{settings.zalo_oa_webhook_port}"
                  f"{settings.zalo_oa_webhook_path}; Ctrl-C để dừng.", highlight=False)
    _run_until_interrupted(serve(settings, Congvan(home)))


@serve_app.command("zalo-bot")
def serve_zalo_bot(home: Optional[Path] = HomeOption,
                   env_file: Optional[Path] = typer.Option(None, "--env-file", help="Settings file (default ./.env).")):
    """The Zalo Bot: long polling, or a webhook when CONGVAN_ZALO_BOT_WEBHOOK_URL is set."""
    from bot.core.config import load_zalo_bot_settings

    from .zalo_bot import serve

    settings = _channel_settings(load_zalo_bot_settings, env_file)
    mode = f"webhook {settings.zalo_bot_webhook_url}" if settings.zalo_bot_webhook_url else "long polling"
    console.print(f"Zalo Bot đang chạy ({mode}); Ctrl-C để dừng.", highlight=False)
    _run_until_interrupted(serve(settings, Congvan(home)))


def _channel_settings(loader, env_file: Optional[Path]):
    import logging

    from bot.core.config import SettingsError

    try:
        settings = loader(env_file)
    except SettingsError as error:
        console.print(str(error), highlight=False)
        raise typer.Exit(2)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll or call otherwise
    return settings


def _run_until_interrupted(coroutine) -> None:
    import asyncio

    try:
        asyncio.run(coroutine)
    except KeyboardInterrupt:
        console.print("Đã dừng.")


if __name__ == "__main__":
    app()
