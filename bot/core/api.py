"""The Python API every front end calls: the CLI, Telegram and Zalo bots are thin layers over it.

A question enters at `Congvan.ask`, is understood in bot/core/query.py, searched in bot/core/search.py and
composed as data in bot/core/answer.py (an `Answer`), which each channel renders with its format's
templates in prompts/.
"""
from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from datetime import date
from typing import Callable, Collection, Iterable

import numpy as np
import platformdirs

from index import units as unit_lists
from index.embed import Embedder, load_embedder
from index.fold import folded_words
from index.store import Store, passage_hash, passage_text
from ingest.errors import IngestError
from ingest.limits import Budget, Limits
from ingest.parse import parse_file

from . import tasks as task_lists
from .clock import Clock, clock as system_clock
from .config import settings
from .agenda import agenda_month, compose_agenda, latest_year_with
from .answer import Answer, compose
from .query import understand
from .named import directives, named_documents
from .scope import Scope, asked_school_year, build_scope, superseded
from .search import Searcher, trace

HEADING_WIDTH = 70
RETRIEVE = 20  # passages ranked per question: the answer reads them, eval measures recall@20 on them
# Passages embedded between two checks of a file's time budget: one native call of the bundled
# model (index.embed), ~2 s on 2 cores, cannot be interrupted.
EMBED_BATCH = 32


def default_home() -> Path:
    return settings().home or Path(platformdirs.user_data_dir("congvan"))


def _snapshot(method: Callable) -> Callable:
    """A read entry point: everything it reads comes from one snapshot of the index (see
    `Store.reading`), so a save committed meanwhile never mixes two versions in one reply."""
    @functools.wraps(method)
    def read(self: Congvan, *args, **kwargs):
        with self.store.reading():
            return method(self, *args, **kwargs)
    return read


@dataclass
class FileResult:
    file: str
    action: str  # "added", "updated", "unchanged", "failed"
    reason: str = ""
    document_id: int | None = None
    title: str = ""
    issuer: str = ""
    number: str = ""
    sections: int = 0
    chunks: int = 0
    tasks: int = 0  # tasks read from the document, dated or not: what `congvan tasks` and /thang list
    seconds: float = 0.0
    replaced: int | None = None  # "updated": the document this one replaced (kept as a version)
    maybe_replaces: int | None = None  # "added": a document this may be a new version of, left in place
    pages_without_text: int = 0  # a PDF's scanned pages (no text layer), when the file was read
    ocr_pages: int = 0  # of them, the pages OCR read: fewer when OCR stopped at CONGVAN_MAX_OCR_PAGES


@dataclass(frozen=True)
class _DocumentIndex:
    """The documents of one index generation and what is read from them."""
    generation: int
    documents: list[dict]  # store.document_facts()
    units: list[dict]  # index.units.list_units
    superseded: dict[int, dict]  # old document id → the newer one (scope.superseded)
    places: dict[str, frozenset[int]]  # place and school names → documents (index.units.place_names)
    numbered: dict[str, list[dict]]  # documents by the numbers they are named by (named.directives)


class Congvan:
    def __init__(self, home: Path | str | None = None, embedder: str | Embedder | None = None,
                 clock: Clock | None = None, limits: Limits | None = None,
                 timer: Callable[[], float] = time.monotonic):
        """`embedder`: a model spec for index.embed.load_embedder (default CONGVAN_EMBEDDER, else
        the bundled model), or an embedder object. `clock`: what "today" is when a call does not
        say (default: the system's, in the configured zone). `limits`: what one file may take
        (default: the settings' CONGVAN_MAX_* and CONGVAN_FILE_SECONDS); `timer`: the monotonic
        seconds its time budget is counted in (a test's fake)."""
        self.store = Store(Path(home) if home else default_home())
        self.clock = clock or system_clock()
        self.limits = limits or settings().limits
        self._timer = timer
        if embedder is None or isinstance(embedder, str):
            self._embedder_spec, self._embedder = embedder or settings().embedder, None
        else:
            self._embedder_spec, self._embedder = None, embedder
        self._searcher: Searcher | None = None
        self._documents_cache: _DocumentIndex | None = None
        self._per_document_cache: tuple[int, dict] = (-1, {})

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self._embedder_spec)
        return self._embedder

    # -- loading directives ----------------------------------------------------------------

    def ingest(self, paths: Iterable[Path | str], progress: Callable[[str, int, int], None] | None = None,
               replace: int | None = None, add: bool = False,
               waiting: Callable[[], None] | None = None) -> list[FileResult]:
        """Load files (folders: the files in them). Each file waits its turn while another process
        writes to this home (`waiting` is called then). See `ingest_file` for `replace`, `add`."""
        files = list(expand_paths(paths))
        if replace is not None and len(files) != 1:
            raise ValueError("Chỉ thay thế được bằng đúng một tệp.")
        results = []
        for i, path in enumerate(files):
            if progress:
                progress(path.name, i, len(files))
            results.append(self._ingest_file(path, replace, add, waiting))
        self._prepare_for_questions(results)
        if progress:
            progress("", len(files), len(files))
        return results

    def ingest_file(self, path: Path | str, replace: int | None = None, add: bool = False,
                    waiting: Callable[[], None] | None = None) -> FileResult:
        """Load one file. It replaces a stored document only when both are the same directive
        (index.store.same_directive), or the document `replace` names; with `add`, never. When it
        may be a new version of a document but that cannot be told, it is added and the result's
        `maybe_replaces` names that document."""
        result = self._ingest_file(Path(path), replace, add, waiting)
        self._prepare_for_questions([result])
        return result

    def _ingest_file(self, path: Path, replace: int | None, add: bool,
                     waiting: Callable[[], None] | None) -> FileResult:
        started = time.perf_counter()
        sha256 = _sha256(path) if path.is_file() else ""
        try:
            with self.store.writing(waiting):
                result = self._ingest(path, sha256, replace, add)
        except IngestError as error:
            result = FileResult(path.name, "failed", reason=str(error))
        except Exception as error:  # a broken file must never stop a batch or touch the index
            result = FileResult(path.name, "failed", reason=f"Lỗi khi đọc tệp: {type(error).__name__}: {error}")
        result.seconds = round(time.perf_counter() - started, 3)
        self.store.log(path.name, result.action, document_id=result.document_id,
                       reason=result.reason, seconds=result.seconds,
                       sha256=sha256)
        return result

    def _ingest(self, path: Path, sha256: str, replace: int | None, add: bool) -> FileResult:
        if not path.is_file():
            raise IngestError("Không tìm thấy tệp")
        # Counted from here, once this process may write: waiting for another writer is not work on the file.
        budget = self.limits.budget(self._timer)
        doc = None
        same = self.store.document_by_sha256(sha256)
        if same and self.store.is_complete(same) is None:  # saved before chunk totals were recorded
            doc = parse_file(path, self.limits, budget)
            if self.store.is_complete(same, len(doc.chunks)):
                self.store.confirm_complete(same["id"], len(doc.chunks))
                same = self.store.document(same["id"])
        if same and self.store.is_complete(same):
            if replace is not None and replace != same["id"]:
                raise IngestError(f"Tệp này đã có ở văn bản #{same['id']}: xoá #{same['id']} trước "
                                  f"(congvan remove {same['id']}) rồi mới thay #{replace} bằng nó.")
            return _result(path.name, "unchanged", same, len(self.store.tasks([same["id"]])))
        if same:  # cut short by a crash (or its vectors lost): saved again whole below
            self.store.discard_document(same["id"], self.store.embedder_name() or self.embedder.name)
        doc = doc or parse_file(path, self.limits, budget)
        previous, maybe = None, None
        if replace is not None:
            previous = self.store.document(replace)
            if previous is None:
                raise IngestError(f"Không có văn bản #{replace} để thay thế.")
        elif not add:
            previous, maybe = self.store.match_previous(doc)
        embedded = self._embed(doc, budget)
        budget.check("lưu")  # the last moment to stop: a save, once begun, completes
        document_id = self.store.save_document(doc, path, embedded, self.embedder.name,
                                               replaces=previous["id"] if previous else None)
        result = _result(path.name, "updated" if previous else "added", self.store.document(document_id),
                         len(doc.tasks))
        result.replaced = previous["id"] if previous else None
        result.maybe_replaces = maybe["id"] if maybe else None
        result.pages_without_text, result.ocr_pages = doc.source.pages_without_text, doc.source.ocr_pages
        return result

    def _prepare_for_questions(self, results: list[FileResult]) -> None:
        """Bring the word statistics up to date with what was just loaded (counting the changed
        documents' chunks only) and save them and the vectors file: done here, the first
        question after a large ingest, in this process or the next, only loads them."""
        if any(r.action in ("added", "updated") for r in results):
            self._search().count_words()
            self.store.vectors()

    def _search(self) -> Searcher:
        if self._searcher is None:
            self._searcher = Searcher(self.store, self.embedder)
        return self._searcher

    def _embed(self, doc, budget: Budget) -> list[tuple[str, np.ndarray]]:
        """(content hash, vector) for every chunk, embedding only texts this model has never seen,
        in batches between which the file's time budget is checked."""
        name = self.embedder.name
        texts = [passage_text(c) for c in doc.chunks]
        hashes = [passage_hash(name, t) for t in texts]
        cached = self.store.cached_vectors(name, hashes)
        missing = [i for i, h in enumerate(hashes) if h not in cached]
        for start in range(0, len(missing), EMBED_BATCH):
            budget.check(f"tạo vector cho đoạn {start + 1}/{len(missing)}")
            batch = missing[start:start + EMBED_BATCH]
            for i, vector in zip(batch, self.embedder.passages([texts[i] for i in batch])):
                cached[hashes[i]] = vector
        return [(h, cached[h]) for h in hashes]

    # -- documents -------------------------------------------------------------------------

    @_snapshot
    def documents(self) -> list[dict]:
        return self.store.documents()

    @_snapshot
    def document(self, ref: str | int) -> dict | None:
        return self.store.document(ref)

    @_snapshot
    def sections(self, document_id: int) -> list[dict]:
        return self.store.sections(document_id)

    def remove(self, ref: str | int, waiting: Callable[[], None] | None = None) -> dict | None:
        """Remove a document; it is kept as a version (its id in the returned row's "version"),
        which `restore_version` brings back."""
        with self.store.writing(waiting):
            doc = self.store.document(ref)
            if doc:
                doc["version"] = self.store.remove_document(doc["id"], self.store.embedder_name() or self.embedder.name)
        if doc:
            self.store.log(doc["file_name"], "removed", document_id=doc["id"], sha256=doc["sha256"])
        return doc

    @_snapshot
    def history(self, document_id: int | None = None) -> list[dict]:
        """Replaced and removed versions, newest first: id, at, action ("replaced" | "removed"),
        document_id, replaced_by, file_name, title, sha256, format, restored_as."""
        return self.store.versions(document_id)

    def restore_version(self, version_id: int,
                        waiting: Callable[[], None] | None = None) -> tuple[dict, int | None] | None:
        """Bring a replaced or removed version back: (the document it now is, the id of the
        document it took the place of, itself kept as a version), or None for no such version."""
        with self.store.writing(waiting):
            restored = self.store.restore_version(version_id, self.store.embedder_name() or self.embedder.name)
        if restored is None:
            return None
        document = self.store.document(restored[0])
        self.store.log(document["file_name"], "restored", document_id=document["id"], sha256=document["sha256"])
        return document, restored[1]

    # -- tasks, deadlines and units ----------------------------------------------------------

    @_snapshot
    def tasks(self, month: str | None = None, issuer: str | None = None, unit: str | None = None,
              upcoming_days: int | None = None, today: date | None = None) -> list[dict]:
        """Tasks of the loaded directives, by month and issuer (by due date with `upcoming_days`).

        `month`: "12/2023" or "2023-12" (ValueError otherwise): tasks listed under that month or
        due or running in it. `issuer`: a name as typed ("Hồng Bàng"). `unit`: a school or office as
        typed ("MN Sao Sáng"): only the documents that concern it (a school's own and its district
        office's); a unit that matches nothing gives no tasks, so check it with `resolve_unit`.
        `upcoming_days`: only tasks due (or running) from `today` to `today + upcoming_days`.
        Each task: id, document_id, chunk_id, month, text, deadline_start, deadline_end (ISO,
        "--12-15" when the year is unknown), deadline_text (as written), deadline_kind, recurring
        ("monthly:25"), year_conflict, due, deadline_label, issuer, unit, school_year, title,
        number, section."""
        document_ids = None
        if unit is not None:
            found = self.resolve_unit(unit)
            if found is None:
                return []
            document_ids = unit_lists.scope(found, self.units())
        rows = self.store.tasks(document_ids, dated_only=upcoming_days is not None)
        return task_lists.select(rows, month=month, issuer=issuer, upcoming_days=upcoming_days,
                                 today=today or self.clock.today())

    def tasks_ics(self, tasks: list[dict], today: date | None = None) -> bytes:
        """An iCalendar file (bytes) of the dated tasks among `tasks` (from `Congvan.tasks`)."""
        return task_lists.to_ics(tasks, today=today)

    @_snapshot
    def units(self) -> list[dict]:
        """Schools and offices the loaded documents come from: name, kind ("school" | "office"),
        district, documents (count), document_ids."""
        return self._document_index().units

    @_snapshot
    def resolve_unit(self, text: str) -> dict | None:
        """The unit a user means ("MN Sao Sáng", "sao sang", "Hồng Bàng"), or None."""
        return unit_lists.resolve(text, self.units())

    # -- questions -------------------------------------------------------------------------

    @_snapshot
    def ask(self, question: str, unit: str | None = None, explain: bool = False,
            today: date | None = None) -> Answer:
        """Answer a question. `unit` (a school or office as typed, see `resolve_unit`) puts that
        unit's directives first; sources from before the current school year, or replaced by a
        newer version, are ranked lower and labelled. With `explain`, the answer carries a trace
        of each step (how the question was read, what was searched, how each passage scored)."""
        started = time.perf_counter()
        today = today or self.clock.today()
        if self._searcher is None:
            self._searcher = Searcher(self.store, self.embedder)
        query = understand(question, self._searcher.restorer(), self.known_names())
        # Named as typed ("KH 36", which the reading spells "không 36") or as read ("ở hn" → "ở hà nội").
        scope = self._scope(unit, today, asked_school_year(query.text), f"{query.original}\n{query.text}")
        hits: list = []
        if query.intent == "agenda":
            answer = self._agenda(query, unit, scope, today)
        else:
            hits = (self._searcher.search(query, k=RETRIEVE, prefer=scope.adjustment, rank=scope.rank)
                    if query.terms or query.text else [])
            answer = compose(query, hits, self._searcher.vocabulary(), self.store.db["documents"].count,
                             scope, self._tasks_of(hits), self)
            answer.retrieved = [{"file": h.row["file_name"], "quote": h.row["text"]} for h in hits]
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if explain:
            answer.trace = {**trace(query, hits), "confidence": answer.confidence, "signals": answer.signals}
        return answer

    def _agenda(self, query, unit: str | None, scope: Scope, today: date) -> Answer:
        """The month's tasks; a month named without its year is taken in the current school year,
        or, when that has none, in the latest year that has some."""
        month, year_chosen = agenda_month(query.month, scope.current_year, today)
        unit = unit if scope.unit else None  # a unit that matches nothing lists everyone's tasks
        tasks = self.tasks(month=month, unit=unit, today=today)
        if not tasks and year_chosen:
            month = latest_year_with(month, self.tasks(unit=unit, today=today))
            tasks = self.tasks(month=month, unit=unit, today=today)
        rows = self.store.chunk_rows(sorted({t["chunk_id"] for t in tasks if t["chunk_id"]}))
        return compose_agenda(query, month, tasks, rows, scope, self.store.db["documents"].count)

    def _document_index(self) -> _DocumentIndex:
        """What every question and every unit lookup needs of the documents, read once per index
        generation."""
        generation = self.store.generation()
        cached = self._documents_cache  # once: another thread may replace it meanwhile
        if cached is None or cached.generation != generation:
            documents = self.store.document_facts()
            cached = _DocumentIndex(generation, documents, unit_lists.list_units(documents), superseded(documents),
                                    unit_lists.place_names(documents), directives(documents))
            if self._documents_cache is None or self._documents_cache.generation < generation:
                self._documents_cache = cached  # a question on an older snapshot keeps its own
        return cached

    def known_names(self) -> Collection[str]:
        """The places and schools the loaded directives name (index.units.place_names)."""
        return self._document_index().places.keys()

    def document_text(self, document_id: int) -> str:
        """A document's title, issuer, file name and text: the answer checks the names and the
        directive numbers a question asks about against the whole document, not only the passage
        (a decree whose first page is lost names itself only in its file's name)."""
        return self._per_document("text", document_id, "", lambda doc: " ".join(
            (doc["title"], doc["issuer"], " ".join(folded_words(doc["file_name"])), doc["text"])))

    def body(self, document_id: int) -> str:
        """A document's normalised text, which every chunk's offsets point into."""
        return self._per_document("body", document_id, "", lambda doc: doc["text"])

    def section_path(self, document_id: int, offset: int) -> str:
        """The heading path of the innermost section holding a character of a document ("" before
        the first heading)."""
        sections = self._per_document("sections", document_id, [], lambda doc: self.store.sections(doc["id"]))
        holding = [s for s in sections if s["start"] <= offset < s["end"]]
        if not holding:
            return ""
        return _heading_path(max(holding, key=lambda s: (s["start"], -s["end"])), sections)

    def _per_document(self, what: str, document_id: int, empty, read: Callable):
        """Facts read once per document and index generation."""
        generation = self.store.generation()
        cached_generation, cache = self._per_document_cache  # once: another thread may replace it
        if cached_generation != generation:
            cache = {}
            if cached_generation < generation:  # a question on an older snapshot keeps its own
                self._per_document_cache = (generation, cache)
        if (what, document_id) not in cache:
            doc = self.store.document(document_id)
            cache[(what, document_id)] = read(doc) if doc else empty
        return cache[(what, document_id)]

    def _scope(self, unit: str | None, today: date | None, asked_year: str, question: str = "") -> Scope:
        index = self._document_index()
        found = unit_lists.resolve(unit, index.units) if unit else None
        return build_scope(index.documents, found, unit_lists.scope(found, index.units) if found else [], today,
                           asked_year, index.superseded, named_documents(question, index.numbered, index.places))

    def _tasks_of(self, hits) -> dict[int, list[dict]]:
        chunk_ids = {h.chunk_id for h in hits}
        out: dict[int, list[dict]] = {}
        for task in self.store.tasks({h.row["document_id"] for h in hits}, dated_only=True):
            if task["chunk_id"] in chunk_ids:
                out.setdefault(task["chunk_id"], []).append(task)
        return out

    def warm_up(self) -> None:
        """Load the embedding model, the corpus's word statistics and the vectors ahead of the
        first question."""
        self._search().restorer()
        self.store.vectors()
        self.embedder.query("khởi động")

    def restore(self, text: str) -> str:
        """The text with diacritics restored from the indexed documents' usage ("can do" → "cân đo")."""
        if self._searcher is None:
            self._searcher = Searcher(self.store, self.embedder)
        return " ".join(self._searcher.restorer().restore(text.lower().split()).words)

    @_snapshot
    def source_section(self, document_id: int, start: int, end: int) -> dict | None:
        """The innermost section holding the passage text[start:end] of a document, with its full
        text and heading path: what a reader opens to see a cited passage in context."""
        doc = self.store.document(document_id)
        if doc is None:
            return None
        sections = self.sections(document_id)
        holding = [s for s in sections if s["start"] <= start and end <= s["end"]]
        if holding:
            section = min(holding, key=lambda s: (s["end"] - s["start"], -s["level"]))
            bounds, path = (section["start"], section["end"]), _heading_path(section, sections)
        else:  # a passage before the first heading: the document's opening
            bounds, path = (0, min((s["start"] for s in sections), default=len(doc["text"]))), ""
        return {"document_id": document_id, "title": doc["title"], "issuer": doc["issuer"], "path": path,
                "start": bounds[0], "end": bounds[1], "text": doc["text"][bounds[0]:bounds[1]]}


def _heading_path(section: dict, sections: list[dict]) -> str:
    """"II. Nhiệm vụ > 1. Chăm sóc > a) Chỉ tiêu": a section's headings from the top."""
    by_ordinal = {s["ordinal"]: s for s in sections}
    path, node = [], section
    while node is not None:
        title = f"{node['label']} {node['heading']}".strip()
        # A list item's "heading" may be its whole sentence: keep each step short, as chunk paths do.
        path.append(title if len(title) <= HEADING_WIDTH else title[:HEADING_WIDTH - 1].rstrip() + "…")
        node = by_ordinal.get(node["parent_ordinal"])
    return " > ".join(reversed(path))


def expand_paths(paths: Iterable[Path | str]):
    """Files as given, and the files inside given folders (hidden files skipped)."""
    for p in map(Path, paths):
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(p).parts):
                    yield child
        else:
            yield p


def _result(file_name: str, action: str, doc: dict, tasks: int) -> FileResult:
    return FileResult(file_name, action, document_id=doc["id"], title=doc["title"], issuer=doc["issuer"],
                      number=doc["number"], sections=doc["section_count"], chunks=doc["chunk_count"], tasks=tasks)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
