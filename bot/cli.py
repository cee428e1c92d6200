"""`congvan` on the command line: a thin layer over bot.api.Congvan."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .api import Congvan

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Hỏi đáp công văn, kế hoạch, hướng dẫn cho giáo viên mầm non.")
console = Console()
HomeOption = typer.Option(None, "--home", envvar="CONGVAN_HOME", help="Data folder (default: user data dir).")


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., help="Files or folders of directives."),
           home: Optional[Path] = HomeOption):
    """Load directives (.docx, .doc, .pdf, .txt, .md); a new version replaces the old one."""
    cv = Congvan(home)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Đang nạp", total=None)
        results = cv.ingest(paths, progress=lambda name, done, total: bar.update(
            task, completed=done, total=total, description=f"Đang nạp {name}"))
    table = Table("Tệp", "Kết quả", "Chi tiết", show_lines=False)
    labels = {"added": "đã thêm", "updated": "đã cập nhật", "unchanged": "không đổi", "failed": "lỗi"}
    for r in results:
        detail = r.reason if r.action == "failed" else f"#{r.document_id} {r.title} · {r.issuer} · {r.chunks} đoạn"
        table.add_row(r.file, labels[r.action], detail)
    console.print(table)
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
    """Remove a document and everything indexed from it."""
    removed = Congvan(home).remove(doc)
    if not removed:
        console.print(f"Không có văn bản {doc}.")
        raise typer.Exit(1)
    console.print(f"Đã xoá #{removed['id']} {removed['title']}", highlight=False)


@app.command()
def ask(question: str, home: Optional[Path] = HomeOption, as_json: bool = typer.Option(False, "--json"),
        explain: bool = typer.Option(False, "--explain", help="Show how the question was read and searched.")):
    """Ask a question; the answer cites its sources."""
    answer = Congvan(home).ask(question, explain=explain)
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    if explain:
        console.print(_explanation(answer.trace))
    print(answer.answer)


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
    ]:
        steps.add_row(f"[bold]{label}[/bold]", Text(value))
    hits = Table("#", "Điểm", "BM25", "Cosine", "Độ phủ", "Văn bản", "Mục", title="Đoạn tìm được")
    for i, h in enumerate(trace["hits"], 1):
        hits.add_row(str(i), f"{h['score']:.3f}", f"{h['bm25']:.3f}", f"{h['cosine']:.3f}",
                     f"{h['coverage']:.2f}", h["document"], Text(h["section"][-60:]))
    return Group(steps, hits)


@app.command()
def chat(home: Optional[Path] = HomeOption):
    """Ask questions in a loop, as in a chat (empty line or Ctrl-D to quit)."""
    cv = Congvan(home)
    console.print("Hỏi về các văn bản đã nạp. Dòng trống để thoát.")
    while True:
        try:
            question = input("❓ ").strip()
        except EOFError:
            break
        if not question:
            break
        print(cv.ask(question).answer + "\n")


@app.command("eval")
def evaluate(file: Path, home: Optional[Path] = HomeOption, as_json: bool = typer.Option(False, "--json")):
    """Score answers on a question file (../shared/eval format)."""
    from .evaluate import evaluate_file, format_report, report_json

    cv = Congvan(home)
    report = evaluate_file(lambda q: cv.ask(q).to_json(), file, with_items=as_json, restore=cv.restore)
    if as_json:
        print(report_json(report, with_items=True))
    else:
        console.print(format_report(report))


if __name__ == "__main__":
    app()
