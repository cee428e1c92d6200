"""Reliability of ingest on temporary homes, printed as Markdown tables:

    .venv/bin/python bench/reliability.py [--kills N] [--seed S]

1. bad inputs (built by the tests' builders): refused with which reason, or read; on refusal,
   whether the index stayed unchanged;
2. kill -9 of a real ingest process (tests/test_crash.py's child) at N random moments, before N
   random SQL statements and before chosen statements of the save: runs leaving a partial
   document (neither the old state nor the whole new one), and whether a re-run completes;
3. two processes ingesting the same new file at once: documents afterwards;
4. two different directives sharing a file name, and the same number a year later: both kept;
5. questions asked from this process while another process ingests: errors;
6. the time budget of one file (CONGVAN_FILE_SECONDS): the slowest input of table 1 against the
   default budget, and inputs built to be slow (many PDF pages, many scanned pages, many
   passages embedded by the bundled model) under a lowered budget: where each stopped, and by
   how much it overran (one page, one OCR page or one embedding batch at most);
7. the memory of one file: each input of table 1 ingested by a process of its own, its peak RSS
   (the kernel's ru_maxrss of that child) against 1 GB.

Everything but section 6's last row embeds with the tests' HashEmbedder (as tests/test_crash.py's
child does), so the run takes a few minutes and measures the save, not the model.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fpdf import FPDF  # noqa: E402

from bot.core.api import Congvan  # noqa: E402
from ingest.limits import Limits  # noqa: E402
from tests.directives import FONT, directive_lines, write_directive, write_docx, write_pdf, write_txt  # noqa: E402
from tests.test_cli import bad_files  # noqa: E402
from tests.conftest import HashEmbedder  # noqa: E402
from tests.test_crash import child, fresh_home, state, write_plan  # noqa: E402
from tests.test_formats import _cp1258, _noise, _word_html  # noqa: E402
from tests.test_identity import office_letter  # noqa: E402
from tests.test_formats import SCANNED, _text_pdf_with_scans  # noqa: E402
from tests.test_limits import MB, _blank_pdf, _sparse, _zip_bomb  # noqa: E402
from tests.test_readers import _scanned_pdf  # noqa: E402

QUESTION = "Báo cáo kết quả chuyên đề 3 về ban giám hiệu trước ngày nào?"


def open_home(home: Path, limits: Limits | None = None) -> Congvan:
    return Congvan(home, embedder=HashEmbedder(), limits=limits or Limits())


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --- 1. bad inputs ---------------------------------------------------------------------------

def bad_inputs(folder: Path) -> list[Path]:
    """The tests' bad files, noise and limits, and the odd-but-valid formats that must be read."""
    folder.mkdir()
    bad = folder / "cli-bad"
    bad_files(bad)
    inputs = sorted(bad.iterdir())
    more = folder / "more"
    more.mkdir()
    lines = directive_lines()
    built = {
        # tests/test_formats.py: noise of several kinds, refused
        "noise-bytes.txt": _noise(20000, 3),
        "noise-utf8-bom.txt": b"\xef\xbb\xbf" + _noise(20000, 2),
        "noise-named.doc": _noise(5000, 4),
        "cjk.txt": ("中华人民共和国教育部关于学前教育的通知。" * 200).encode(),
        "tcvn3.txt": ("KÕ ho¹ch thùc hiÖn nhiÖm vô n¨m häc cña tr­êng mÇm non vµ c¸c líp.\n" * 50).encode("cp1252"),
        "english.txt": ("This is the annual plan of the school, to be read by every teacher.\n" * 50).encode(),
        # tests/test_formats.py: formats that lie about themselves, read
        "word-web-page.doc": _cp1258(_word_html("windows-1258")),
        "plain-text.doc": "\n".join(lines).encode("utf-8"),
        "windows-1258.txt": _cp1258("\r\n".join(lines)),
        "utf-16-le-no-bom.txt": "\n".join(lines).encode("utf-16-le"),
    }
    for name, data in built.items():
        (more / name).write_bytes(data)
    inputs += sorted(more.iterdir())
    inputs.append(write_pdf(folder / "a.pdf").rename(more / "pdf-named.docx"))
    inputs.append(write_docx(folder / "b.docx").rename(more / "docx-named.pdf"))
    # tests/test_limits.py: limits
    inputs.append(_sparse(more / "sparse-50MB.txt", 50 * MB))
    inputs.append(_zip_bomb(more / "zip-bomb.docx"))
    long = more / "too-long.txt"
    long.write_text("\n".join(lines * (Limits().chars // len("\n".join(lines)) + 1)), encoding="utf-8")
    inputs.append(long)
    articles = write_directive(more / "10001-chapters.docx", [f"Chương {i}. Quy định số {i}" for i in range(1, 10_001)])
    inputs.append(articles)
    inputs.append(_blank_pdf(more / f"{Limits().pages + 1}-pages.pdf", Limits().pages + 1))
    # The directive typed, then two scanned pages: OCR reads the two, and only them.
    scans = folder / "scans"
    scans.mkdir()
    inputs.append(_text_pdf_with_scans(scans, SCANNED).rename(more / "typed-and-2-scanned-pages.pdf"))
    return inputs


TIMES: list[tuple[str, float]] = []  # (input, seconds of its ingest) from section 1, for section 6


def fingerprint(home: Path) -> tuple:
    cv = open_home(home)
    return (cv.store.generation(), cv.store.db["chunks"].count, len(cv.store.vectors()),
            [(d["id"], d["sha256"]) for d in cv.documents()])


def section_bad_inputs(work: Path) -> str:
    template = work / "bad-template"
    open_home(template).ingest([write_txt(work / "ke-hoach.txt")])
    before = fingerprint(template)
    rows = []
    for i, path in enumerate(bad_inputs(work / "inputs")):
        home = work / f"bad-{i}"
        shutil.copytree(template, home)
        [result] = open_home(home).ingest([path])
        TIMES.append((path.name, result.seconds))
        unchanged = fingerprint(home) == before
        if result.action == "failed":
            outcome = f"refused with reason: {result.reason}"
            kept = "yes" if unchanged else "**NO**"
        else:
            outcome = f"read: {result.chunks} chunks, {result.action}"
            if result.pages_without_text:
                outcome += f", OCR of {result.ocr_pages}/{result.pages_without_text} scanned pages"
            kept = "n/a"
        rows.append([f"`{path.name}`", outcome, kept])
        shutil.rmtree(home)
    return table(["input", "outcome", "index unchanged on refusal"], rows) + (
        "\n\nEach input goes to its own copy of a home holding directive 45/KH-MNHM as .txt; the inputs that\n"
        "are read are that directive in another format, so they replace it (updated) or match it (unchanged).")


# --- 2. kill -9 ------------------------------------------------------------------------------

def crash_scenario(folder: Path) -> tuple[dict, dict]:
    """As tests/test_crash.py's `scenario`: folder/template holds version 1 of a plan and
    folder/ke-hoach.txt is version 2 (more sections, a new deadline) that replaces it."""
    old, new = write_plan(folder / "v1.txt", "15/12/2024", 10), write_plan(folder / "v2.txt", "18/12/2024", 16)
    (folder / "ke-hoach.txt").write_bytes(old.read_bytes())
    open_home(folder / "template").ingest([folder / "ke-hoach.txt"])
    old_state = state(folder / "template")
    (folder / "ke-hoach.txt").write_bytes(new.read_bytes())
    finished = fresh_home(folder, "finished")
    open_home(finished).ingest([folder / "ke-hoach.txt"])
    return old_state, state(finished)


def statements(folder: Path, name: str) -> list[str]:
    proc = child(fresh_home(folder, name), folder / "ke-hoach.txt", lockstep=True)
    seen = []
    for line in proc.stdout:
        seen.append(line.strip())
        proc.stdin.write("\n")
        proc.stdin.flush()
    proc.wait()
    return seen


def kill_before(home: Path, file: Path, index: int) -> None:
    proc = child(home, file, lockstep=True)
    for i, _ in enumerate(proc.stdout):
        if i == index:
            break
        proc.stdin.write("\n")
        proc.stdin.flush()
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def section_kills(work: Path, kills: int, rng: random.Random) -> str:
    folder = work / "crash"
    folder.mkdir()
    old_state, new_state = crash_scenario(folder)
    file = folder / "ke-hoach.txt"
    run = statements(folder, "dry-run")
    begin = next(i for i, s in enumerate(run) if s.startswith("BEGIN"))
    commit = next(i for i, s in enumerate(run) if s.startswith("COMMIT") and i > begin)
    inserts = [i for i, s in enumerate(run) if s.startswith('INSERT INTO "chunks"')]
    targeted = sorted({begin, begin + 1, inserts[0], inserts[len(inserts) // 2], inserts[-1],
                       commit - 1, commit, commit + 1, len(run) - 1})
    started = time.perf_counter()
    child(fresh_home(folder, "timing"), file, lockstep=False).wait()
    whole = time.perf_counter() - started

    def outcome(home: Path) -> tuple[str, bool]:
        found = state(home)
        kind = "old" if found == old_state else "new" if found == new_state else "partial"
        open_home(home).ingest([file])
        return kind, state(home) == new_state

    random_statements = sorted(rng.sample(range(len(run)), min(kills, len(run))))
    rows = []
    for label, count, kill in (
            (f"random moment, 0.5–1.1 × a whole {whole:.1f} s ingest (process start included)", kills,
             lambda home, n: _kill_after(home, file, rng.uniform(0.5, 1.1) * whole)),
            (f"random SQL statement of the ingest (of {len(run)}; the save is {begin}–{commit})",
             len(random_statements), lambda home, n: kill_before(home, file, random_statements[n])),
            ("chosen statements: BEGIN, BEGIN+1, first/middle/last chunk INSERT, COMMIT−1, COMMIT, COMMIT+1, last",
             len(targeted), lambda home, n: kill_before(home, file, targeted[n]))):
        found = []
        for n in range(count):
            home = fresh_home(folder, f"kill-{n}")
            kill(home, n)
            found.append(outcome(home))
            shutil.rmtree(home)
        kinds = [k for k, _ in found]
        rows.append([label, count, kinds.count("old"), kinds.count("new"), kinds.count("partial"),
                     f"{sum(done for _, done in found)}/{count}"])
    return table(["kill -9 at", "runs", "old state", "new state", "partial document (must be 0)",
                  "re-run completed"], rows)


def _kill_after(home: Path, file: Path, seconds: float) -> None:
    proc = child(home, file, lockstep=False)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


# --- 3. two writers, 4. identity, 5. readers during a write ----------------------------------

def section_concurrency_and_identity(work: Path) -> str:
    rows = []

    # 3. The first process is held inside its save (lock taken) while the second starts.
    home, file = work / "two-writers", write_txt(work / "ke-hoach-moi.txt")
    first = child(home, file, lockstep=True)
    for line in first.stdout:
        if line.startswith("BEGIN"):
            break
        first.stdin.write("\n")
        first.stdin.flush()
    second = child(home, file, lockstep=False)
    time.sleep(2.0)  # the second is now waiting for the lock
    first.stdin.close()
    first.stdout.read()
    codes = (first.wait(), second.wait())
    documents = len(open_home(home).documents())
    rows.append(["two processes ingest the same new file at once", f"{documents} document(s), exit codes {codes}",
                 "1", "yes" if documents == 1 and codes == (0, 0) else "**NO**"])

    # 4. Identity: a file name alone never makes one directive replace another.
    cv = open_home(work / "same-name")
    for folder in ("a", "b"):
        (work / folder).mkdir()
    cv.ingest([office_letter(work / "a" / "ke_hoach.md")])
    cv.ingest([write_txt(work / "b" / "ke_hoach.md")])
    names = [d["file_name"] for d in cv.documents()]
    rows.append(["two directives named `ke_hoach.md`, different content", f"{len(names)} document(s)", "2",
                 "yes" if len(names) == 2 else "**NO**"])
    cv = open_home(work / "year-later")
    cv.ingest([office_letter(work / "cv-2023.txt", year=2023)])
    cv.ingest([office_letter(work / "cv-2024.txt", year=2024, topic="kiểm tra nội bộ trường học")])
    numbers = sorted((d["number"], d["date"]) for d in cv.documents())
    rows.append(["`01/PGDĐT-MN` of 2023, then `01/PGDĐT-MN` of 2024",
                 ", ".join(f"{n} ({d})" for n, d in numbers), "2", "yes" if len(numbers) == 2 else "**NO**"])

    # 5. Questions from this process while a child ingests: at every statement of a held ingest,
    # and as fast as possible during a free-running one. A fresh reader and a long-lived one.
    folder = work / "crash"
    reader = open_home(fresh_home(folder, "readers"))
    asked, errors, first_error = 0, 0, ""
    deadlines = {"15/12 (old)": 0, "18/12 (new)": 0}

    def ask(home: Path) -> None:
        nonlocal asked, errors, first_error
        for cv in (reader, open_home(home)):
            asked += 1
            try:
                answer = cv.ask(QUESTION).text
                deadlines["15/12 (old)"] += "15/12/2024" in answer
                deadlines["18/12 (new)"] += "18/12/2024" in answer
            except Exception as error:  # noqa: BLE001 - counting every kind of failure is the point
                errors += 1
                first_error = first_error or f"{type(error).__name__}: {error}"

    home = folder / "readers"
    proc = child(home, folder / "ke-hoach.txt", lockstep=True)
    for _ in proc.stdout:
        ask(home)
        proc.stdin.write("\n")
        proc.stdin.flush()
    proc.wait()
    home = fresh_home(folder, "readers-free")
    reader = open_home(home)
    proc = child(home, folder / "ke-hoach.txt", lockstep=False)
    while proc.poll() is None:
        ask(home)
    rows.append([f"questions asked during ingests in another process ({asked})",
                 f"{errors} error(s){': ' + first_error if first_error else ''}; answers giving the deadline "
                 + ", ".join(f"{k}: {v}" for k, v in deadlines.items()), "0 errors",
                 "yes" if errors == 0 else "**NO**"])
    return table(["scenario", "result", "expected", "ok"], rows)


# --- 6. the time budget -------------------------------------------------------------------------

def section_budget(work: Path, seconds: int) -> str:
    folder = work / "budget"
    folder.mkdir()
    rows = []
    name, slowest = max(TIMES, key=lambda t: t[1])
    budget = Limits().seconds
    rows.append([f"each of the {len(TIMES)} inputs of the first table (slowest: `{name}`)", f"{budget:g} s (default)",
                 "read or refused as above", f"{slowest:.1f}", "yes" if slowest <= budget else "**NO**"])

    pages = FPDF(format="A4")
    pages.add_font("DejaVu", fname=str(FONT))
    pages.set_font("DejaVu", size=11)
    for _ in range(Limits().pages):
        pages.add_page()
        for line in directive_lines():
            pages.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pages.output(str(folder / "300-typed-pages.pdf"))
    picture = folder / "picture"
    picture.mkdir()
    _scanned_pdf(picture, directive_lines()[:14])
    scan = FPDF(format="A4")
    for _ in range(40):
        scan.add_page()
        scan.image(str(picture / "page.png"), x=0, y=0, w=210, h=297)
    scan.output(str(folder / "40-scanned-pages.pdf"))
    chapters = write_directive(folder / "1500-passages.txt",
                               [f"Chương {i}. Quy định số {i} về nề nếp, vệ sinh và an toàn của lớp {i}" for i in range(1, 1501)])
    lowered = Limits(seconds=seconds, ocr_pages=40)
    for path, cv in ((folder / "300-typed-pages.pdf", open_home(folder / "h1", lowered)),
                     (folder / "40-scanned-pages.pdf", open_home(folder / "h2", lowered)),
                     (chapters, Congvan(folder / "h3", limits=lowered))):  # the bundled model
        if path == chapters:
            cv.embedder.query("khởi động")  # loading the model is not work on the file
        [result] = cv.ingest([path])
        stage = result.reason.split(" khi đang ", 1)[-1].split(";")[0] if result.action == "failed" else result.action
        rows.append([f"`{path.name}`", f"{seconds} s (CONGVAN_FILE_SECONDS={seconds})",
                     f"{result.action}: {stage}", f"{result.seconds:.1f} ({result.seconds - seconds:+.1f})",
                     "yes" if result.action == "failed" and "thời gian" in result.reason and not cv.documents()
                     else "**NO**"])
    return table(["input", "budget", "outcome (where it stopped)", "seconds (past the budget)", "stopped at its budget, nothing saved"],
                 rows) + ("\n\nA budget is checked between stages and per PDF page, OCR page, top-level Word paragraph and "
                          "batch of 32 passages embedded, so a file overruns it by one such step at most.")


# --- 7. the memory of one file -----------------------------------------------------------------

_CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from bench.reliability import open_home
if sys.argv[2] != "-":
    open_home(Path(sys.argv[1])).ingest([Path(sys.argv[2])])
"""


def peak_rss_mb(home: Path, file: Path | None) -> float:
    """Peak RSS of a fresh process that ingests `file` into `home` (or only imports, for None)."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(root=str(ROOT)), str(home), str(file or "-")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    return usage.ru_maxrss / 1024  # kilobytes on Linux


def section_memory(work: Path) -> str:
    template = work / "memory-template"
    open_home(template).ingest([write_txt(work / "ke-hoach-memory.txt")])
    rows = [["(the process alone: imports, no file)", f"{peak_rss_mb(template, None):.0f}", "yes"]]
    for i, path in enumerate(bad_inputs(work / "memory-inputs")):
        home = work / f"memory-{i}"
        shutil.copytree(template, home)
        peak = peak_rss_mb(home, path)
        rows.append([f"`{path.name}`", f"{peak:.0f}", "yes" if peak <= 1024 else "**NO**"])
        shutil.rmtree(home)
    return table(["input", "peak RSS, MB", "under 1 GB"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=25, help="kills at random moments, and as many at random statements (default 25)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--budget", type=int, default=10, help="the lowered budget of section 6, in seconds (default 10)")
    parser.add_argument("--only-memory", action="store_true", help="only section 7, the memory of one file")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="congvan-reliability-") as tmp:
        work = Path(tmp)
        if args.only_memory:
            print("### Memory of one file\n")
            print(section_memory(work))
            return
        print("### Bad inputs\n")
        print(section_bad_inputs(work), flush=True)
        print("\n### kill -9 during an ingest\n")
        print(section_kills(work, args.kills, random.Random(args.seed)), flush=True)
        print("\n### Concurrency and identity\n")
        print(section_concurrency_and_identity(work), flush=True)
        print("\n### Time budget of one file\n")
        print(section_budget(work, args.budget))
        print("\n### Memory of one file\n")
        print(section_memory(work))
    print(f"\n`bench/reliability.py --kills {args.kills} --seed {args.seed}`: {time.perf_counter() - started:.0f} s, "
          "HashEmbedder (tests/test_crash.py), temporary homes.")


if __name__ == "__main__":
    main()
