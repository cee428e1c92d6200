"""The index: SQLite (system of record) plus a FAISS file of chunk vectors beside it.

Layout of CONGVAN_HOME:
  congvan.db        documents, sections, chunks (+ FTS5 over folded text), embeddings, ingest_log
  vectors.faiss     chunk vectors keyed by chunk id; vectors.json says which DB generation it holds
  files/            the original files, named by their SHA-256, so any document can be re-parsed

Every change to the documents is one SQLite transaction (on a connection of its own) that also
bumps `generation`; the FAISS file is derived from the embeddings table and is rebuilt whenever its
generation or its size disagrees, so a crash between the two writes can never leave search
pointing at rows that are gone or missing.

Reads go through a connection per thread. `reading()` holds one read transaction on it: in WAL
mode its snapshot is fixed at the first read, so everything a question reads (keyword search,
rows, tasks, the vectors of that snapshot's generation) is one version of the index even when a
save commits meanwhile, in this process or another.

An original is copied into files/ before the transaction that refers to it; one whose transaction
never committed is deleted by the next writer.

One process writes at a time: `writing()` holds an flock on writer.lock, which readers never take.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import sqlite_utils

from ingest.model import Chunk, Document

from . import migrations
from .fold import fold
from .units import describe as describe_unit
from .vectors import VectorIndex

# Bump when parsing changes, so unchanged files are parsed again with the new code.
PARSER_VERSION = 11  # 2: tasks and deadlines; 3: PDF paragraphs and table rows, crawled tables' header rows;
# 4: a schedule's rows one passage each; 5: top-level packed sections named and filed under the first;
# 6: a crawled table's last row kept when another table follows; 7: a list of amounts' rows one passage each;
# 8: articles', chapters' and appendices' titles whole in paths; 9: a decree's or circular's kind from
# its number's code (NĐ, TT); 10: crawled pages' front matter dropped, their property tables read;
# 11: the front matter's title kept, the property table's other cells never an issuer


class Store:
    def __init__(self, home: Path):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "files").mkdir(exist_ok=True)
        # Bots answer in worker threads while another thread ingests: each thread reads on a
        # connection of its own (`db`), and writes go through `_writer`.
        self._local = threading.local()
        self._writer: sqlite_utils.Database | None = None
        if migrations.pending(self.db):
            with self._lock(blocking=True):  # two processes opening an old home must not both migrate it
                migrations.migrate(self._write_db())
        with self._lock(blocking=False) as held:
            if held:  # else the writer at work repairs when it is done: a reader never waits
                self._repair()
        # FAISS indexes by generation: the newest, and the one before while a question that
        # began before a save still reads it.
        self._vectors: dict[int, VectorIndex] = {}
        self._vectors_lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------------

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's read connection. Outside `reading()` each statement sees the latest commit."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = _connect(self.home / "congvan.db")
        return db

    @contextmanager
    def reading(self) -> Iterator[int]:
        """Read one snapshot of the index until the block ends (nested blocks share it); yields
        its generation. Saves committed meanwhile are seen by the next `reading()`. Nothing may
        be written on `db` inside it."""
        local = self._local
        if getattr(local, "generation", None) is not None:
            yield local.generation
            return
        conn = self.db.conn
        conn.execute("begin")  # deferred: the snapshot is taken by the first read, just below
        try:
            local.generation = conn.execute("select generation from state").fetchone()[0]
            yield local.generation
        finally:
            local.generation = None
            conn.rollback()

    # -- one writer at a time ----------------------------------------------------------------

    @contextmanager
    def writing(self, waiting: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the home's write lock, waiting for another process or thread that holds it (then
        `waiting` is called first, to say so), and repair what a crashed writer left."""
        with self._lock(blocking=True, waiting=waiting):
            self._repair()
            yield

    @contextmanager
    def _lock(self, blocking: bool, waiting: Callable[[], None] | None = None) -> Iterator[bool]:
        """flock on writer.lock; yields whether it is held. Not re-entrant: each open of the file
        is a lock of its own, even within one process. Closing the file releases it, and so does
        the death of the process, so a crashed writer never leaves it stuck."""
        with open(self.home / "writer.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not blocking:
                    yield False
                    return
                if waiting:
                    waiting()
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield True

    def _repair(self) -> None:
        """Delete the originals (and half-copied files) of saves that never committed. Rows need
        no repair: a save is one transaction, so SQLite rolled back whatever a crash interrupted."""
        kept = {f"{r['sha256']}.{r['format']}" for r in self._write_db().query(
            "select sha256, format from documents union select sha256, format from versions")}
        for path in (self.home / "files").iterdir():
            if path.name not in kept:
                path.unlink(missing_ok=True)

    def _write_db(self) -> sqlite_utils.Database:
        if self._writer is None:
            self._writer = _connect(self.home / "congvan.db")
        return self._writer

    # -- documents -------------------------------------------------------------------------

    def documents(self) -> list[dict]:
        return list(self.db.query(_DOCUMENT_SELECT + " order by d.id"))

    def document_facts(self) -> list[dict]:
        """Every document's metadata without its text: cheap enough to read for each question."""
        return list(self.db.query(
            "select id, file_name, title, kind, issuer, number, date, subject, school_year, unit, unit_kind,"
            " district from documents order by id"))

    def document(self, ref: str | int) -> dict | None:
        """A document by id, or by file name."""
        rows = list(self.db.query(_DOCUMENT_SELECT + " where d.id = ? or d.file_name = ?",
                                  [ref if str(ref).isdigit() else -1, str(ref)]))
        return rows[0] if rows else None

    # The checks an ingest decides by read through the writer's connection, under the write lock:
    # a read connection may be inside a snapshot taken before another process's save.

    def document_by_sha256(self, sha256: str) -> dict | None:
        """The document made from exactly this file by the current parser, if any."""
        rows = list(self._write_db().query(_DOCUMENT_SELECT + " where d.sha256 = ? and d.parser_version = ?",
                                  [sha256, PARSER_VERSION]))
        return rows[0] if rows else None

    def is_complete(self, document: dict, chunk_total: int | None = None) -> bool | None:
        """Whether all the document's chunks (`chunk_total`, default the total it was saved with)
        are stored, each with its vector; None when the total is unknown: a document saved
        before totals were recorded, which a crash then could have cut short."""
        chunk_total = document["chunk_total"] if chunk_total is None else chunk_total
        if chunk_total is None:
            return None
        with_vectors = self._write_db().execute(
            "select count(*) from chunks c join embeddings e on e.content_hash = c.content_hash"
            " and e.model = (select embedder from state) where c.document_id = ?", [document["id"]]).fetchone()[0]
        return document["chunk_count"] == with_vectors == chunk_total

    def confirm_complete(self, document_id: int, chunk_total: int) -> None:
        """Record the chunk total of an older document found whole by parsing its file again."""
        db = self._write_db()
        with db.atomic():
            db["documents"].update(document_id, {"chunk_total": chunk_total})

    def embedder_name(self) -> str:
        return self.db.execute("select embedder from state").fetchone()[0]

    def match_previous(self, doc: Document) -> tuple[dict | None, dict | None]:
        """(the stored document this one is a new version of, a stored document it may be a new
        version of when that cannot be told): see `same_directive`."""
        m = doc.metadata
        maybe = None
        for row in list(self._write_db().query(
                "select id, file_name, title, issuer, number, date, school_year, text from documents"
                " where file_name = ? or (number != '' and number = ? and issuer = ?) order by id desc",
                [doc.source.name, m.number, m.issuer])):
            verdict = same_directive(doc, row)
            if verdict == "same":
                return row, None
            if verdict == "maybe" and maybe is None:
                maybe = row
        return None, maybe

    def sections(self, document_id: int) -> list[dict]:
        return list(self.db["sections"].rows_where("document_id = ?", [document_id], order_by="ordinal"))

    def original_path(self, document: dict) -> Path:
        return self.home / "files" / f"{document['sha256']}.{document['format']}"

    # -- writing (callers hold `writing()`) ------------------------------------------------------

    def save_document(self, doc: Document, original: Path | None, embedded: list[tuple[str, np.ndarray]],
                      embedder_name: str, replaces: int | None = None) -> int:
        """Insert a fully parsed and embedded document, archiving the version it replaces, in one
        transaction: after a crash the index holds either the old state or all of the new one.

        `embedded` holds each chunk's (passage_hash, vector), in chunk order."""
        if original is not None:
            self._keep_original(original, f"{doc.source.sha256}.{doc.source.format}")
        m = doc.metadata
        unit, unit_kind, district = describe_unit(m.issuer, m.issuer_lines, m.place)
        db = self._write_db()
        with db.atomic():
            document_id = db["documents"].insert({
                "id": _next_document_id(db), "file_name": doc.source.name, "sha256": doc.source.sha256, "size": doc.source.size,
                "format": doc.source.format, "extraction": doc.source.extraction,
                "parser_version": PARSER_VERSION, "title": display_title(doc), "kind": m.kind,
                "issuer": m.issuer, "issuer_lines": json.dumps(m.issuer_lines, ensure_ascii=False),
                "number": m.number, "place": m.place, "date": m.date, "date_text": m.date_text,
                "subject": m.subject, "school_year": m.school_year,
                "recipients": json.dumps(m.recipients, ensure_ascii=False),
                "text": doc.text, "ingested_at": _now(),
                "unit": unit, "unit_kind": unit_kind, "district": district, "chunk_total": len(doc.chunks),
            }).last_pk
            db["sections"].insert_all(
                {"document_id": document_id, "ordinal": s.ordinal, "parent_ordinal": s.parent,
                 "level": s.level, "label": s.label, "heading": s.heading, "start": s.start,
                 "end": s.end, "month": s.month} for s in doc.sections)
            context = fold(" ".join(filter(None, [m.issuer, m.place, m.subject, m.title])))
            db["embeddings"].insert_all(
                ({"model": embedder_name, "content_hash": content_hash, "dim": int(vector.shape[0]),
                  "vector": np.asarray(vector, dtype=np.float32).tobytes()} for content_hash, vector in embedded),
                ignore=True)
            chunk_ids: dict[int, int] = {}
            for chunk, (content_hash, _) in zip(doc.chunks, embedded):
                chunk_ids[chunk.ordinal] = db["chunks"].insert({
                    "document_id": document_id, "ordinal": chunk.ordinal, "section_ordinal": chunk.section,
                    "path": chunk.path, "month": chunk.month, "start": chunk.start, "end": chunk.end,
                    "text": chunk.text, "content_hash": content_hash,
                    "search_text": fold(chunk.text), "search_context": fold(chunk.path) + " " + context,
                }).last_pk
            db["tasks"].insert_all(
                {"document_id": document_id, "chunk_id": chunk_ids.get(t.chunk), "ordinal": t.ordinal,
                 "month": t.month, "text": t.text, "deadline_start": t.deadline_start or None,
                 "deadline_end": t.deadline_end or None, "deadline_text": t.deadline_text,
                 "deadline_kind": t.deadline_kind, "recurring": t.recurring,
                 "year_conflict": int(t.year_conflict)} for t in doc.tasks)
            if replaces is not None:
                self._archive(db, replaces, "replaced", document_id)
            db.execute("update state set generation = generation + 1, embedder = ?", [embedder_name])
        return document_id

    def remove_document(self, document_id: int, embedder_name: str) -> int:
        """Remove a document, keeping it as a version `restore_version` can bring back; the
        version's id."""
        db = self._write_db()
        with db.atomic():
            version = self._archive(db, document_id, "removed", None)
            db.execute("update state set generation = generation + 1, embedder = ?", [embedder_name])
        return version

    def discard_document(self, document_id: int, embedder_name: str) -> None:
        """Delete a document that a crash cut short, keeping no version of it."""
        db = self._write_db()
        with db.atomic():
            for table in ("tasks", "chunks", "sections"):
                db.execute(f"delete from {table} where document_id = ?", [document_id])
            db.execute("delete from documents where id = ?", [document_id])
            db.execute("update state set generation = generation + 1, embedder = ?", [embedder_name])

    def _keep_original(self, original: Path, name: str) -> None:
        """Copy the original into files/ whole or not at all: a crash mid-copy leaves a temporary
        file (deleted by the next writer), never a cut-short original under the real name."""
        target = self.home / "files" / name
        if target.exists():
            return
        tmp = target.with_name(f".{name}.{secrets.token_hex(4)}.tmp")
        shutil.copyfile(original, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)

    def _archive(self, db: sqlite_utils.Database, document_id: int, action: str, by: int | None) -> int:
        """Move a document's rows into a version (its original stays in files/) and delete them."""
        document = next(db.query("select * from documents where id = ?", [document_id]))
        rows = {table: list(db.query(f"select * from {table} where document_id = ? order by id", [document_id]))
                for table in ("sections", "chunks", "tasks")}
        version = db["versions"].insert({
            "at": _now(), "action": action, "document_id": document_id, "replaced_by": by,
            "file_name": document["file_name"], "title": document["title"], "sha256": document["sha256"],
            "format": document["format"],
            "rows": json.dumps({"document": document, **rows}, ensure_ascii=False)}).last_pk
        for table in ("tasks", "chunks", "sections"):
            db.execute(f"delete from {table} where document_id = ?", [document_id])
        db.execute("delete from documents where id = ?", [document_id])
        return version

    def versions(self, document_id: int | None = None) -> list[dict]:
        """Replaced and removed versions, newest first (those of one document and of the
        documents that replaced it or that it replaced, with `document_id`)."""
        where, params = "", []
        if document_id is not None:
            where, params = " where document_id = ? or replaced_by = ?", [document_id, document_id]
        return list(self.db.query(
            "select id, at, action, document_id, replaced_by, file_name, title, sha256, format, restored_as"
            f" from versions{where} order by id desc", params))

    def restore_version(self, version_id: int, embedder_name: str) -> tuple[int, int | None] | None:
        """Bring a version back as a document, under its old id unless that is in use (restored
        before), archiving the document that replaced it (if it is still there) so that can be
        brought back too: (document id, id of the one it replaced), or None for no such version."""
        db = self._write_db()
        with db.atomic():
            version = next(db.query("select * from versions where id = ?", [version_id]), None)
            if version is None:
                return None
            rows = json.loads(version["rows"])
            document = rows["document"]
            if db["documents"].count_where("id = ?", [document["id"]]):  # restored once already
                document["id"] = _next_document_id(db)
            document_id = db["documents"].insert({**document, "ingested_at": _now()}).last_pk
            db["sections"].insert_all({**{k: v for k, v in s.items() if k != "id"}, "document_id": document_id}
                                      for s in rows["sections"])
            chunk_ids = {c["id"]: db["chunks"].insert({**{k: v for k, v in c.items() if k != "id"},
                                                       "document_id": document_id}).last_pk
                         for c in rows["chunks"]}
            db["tasks"].insert_all({**{k: v for k, v in t.items() if k != "id"}, "document_id": document_id,
                                    "chunk_id": chunk_ids.get(t["chunk_id"])} for t in rows["tasks"])
            replaced = version["replaced_by"]
            if replaced is not None and db["documents"].count_where("id = ?", [replaced]):
                self._archive(db, replaced, "replaced", document_id)
            else:
                replaced = None
            db["versions"].update(version_id, {"restored_as": document_id})
            db.execute("update state set generation = generation + 1, embedder = ?", [embedder_name])
        return document_id, replaced

    def log(self, file_name: str, action: str, *, sha256: str = "", document_id: int | None = None,
            reason: str = "", seconds: float = 0.0) -> None:
        # On the thread's own connection, not the writer's: another thread may hold a save open
        # on that one, and this row would join (or be rolled back with) its transaction.
        if getattr(self._local, "generation", None) is not None:
            raise RuntimeError("the ingest log is written outside reading()")
        self.db["ingest_log"].insert({
            "at": _now(), "file_name": file_name, "sha256": sha256, "action": action,
            "document_id": document_id, "reason": reason, "seconds": round(seconds, 3)})

    # -- embeddings cache ------------------------------------------------------------------

    def cached_vectors(self, embedder_name: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        hashes = list(set(hashes))
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            batch = hashes[i:i + 500]
            marks = ",".join("?" * len(batch))
            for row in self.db.query(
                    f"select content_hash, vector from embeddings where model = ? and content_hash in ({marks})",
                    [embedder_name, *batch]):
                found[row["content_hash"]] = np.frombuffer(row["vector"], dtype=np.float32)
        return found

    # -- search ----------------------------------------------------------------------------

    def generation(self) -> int:
        """The generation of the snapshot being read (inside `reading()`), else the latest."""
        generation = getattr(self._local, "generation", None)
        if generation is not None:
            return generation
        return self.db.execute("select generation from state").fetchone()[0]

    def vectors(self) -> VectorIndex:
        """The FAISS index of the generation being read (the latest outside `reading()`), loaded
        or rebuilt as needed."""
        with self.reading() as generation, self._vectors_lock:
            index = self._vectors.get(generation)
            if index is None:
                index = self._vectors[generation] = self._load_vectors(generation)
                for old in sorted(self._vectors)[:-2]:
                    del self._vectors[old]
            return index

    def _load_vectors(self, generation: int) -> VectorIndex:
        """The vectors file if it holds this generation, else rebuilt from the rows (and saved,
        unless the file already holds a newer generation)."""
        faiss_path = self.home / "vectors.faiss"
        with self._vectors_file(fcntl.LOCK_SH):
            if self._vectors_file_generation() == generation and faiss_path.exists():
                index = VectorIndex.load(faiss_path)
                # A home written before saves were one transaction can hold chunks added after
                # its last generation bump: the file is then short of vectors.
                if len(index) == self._vector_count():
                    return index
        index = self._rebuild_vectors()
        with self._vectors_file(fcntl.LOCK_EX):
            saved = self._vectors_file_generation()
            if saved is None or saved <= generation:
                index.save(faiss_path)
                info_path = self.home / "vectors.json"
                tmp = info_path.with_suffix(".json.tmp")
                tmp.write_text(json.dumps({"generation": generation, "count": len(index)}))
                tmp.replace(info_path)
        return index

    @contextmanager
    def _vectors_file(self, mode: int) -> Iterator[None]:
        """flock for the vectors file and its generation note, which are written one after the
        other: without it a reader could pair one generation's note with another's file."""
        with open(self.home / "vectors.lock", "a") as lock:
            fcntl.flock(lock, mode)
            yield

    def _vectors_file_generation(self) -> int | None:
        try:
            return json.loads((self.home / "vectors.json").read_text()).get("generation")
        except (OSError, ValueError):
            return None

    def _vector_count(self) -> int:
        return self.db.execute(
            "select count(*) from chunks c join embeddings e "
            "on e.content_hash = c.content_hash and e.model = (select embedder from state)").fetchone()[0]

    def _rebuild_vectors(self) -> VectorIndex:
        # Added a batch at a time: reading every vector first held the library's vectors twice
        # more (blobs, then one float32 matrix) beside the index, in the serving process.
        cursor = self.db.execute(
            "select c.id, e.vector, e.dim from chunks c join embeddings e "
            "on e.content_hash = c.content_hash and e.model = (select embedder from state)")
        index = None
        while batch := cursor.fetchmany(10000):
            index = index or VectorIndex(batch[0][2])
            index.add([r[0] for r in batch], np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in batch]))
        return index or VectorIndex(384)

    def keyword_search(self, match: str, limit: int) -> list[tuple[int, float]]:
        """(chunk id, bm25 score; higher is better) for an FTS5 MATCH expression over folded text."""
        if not match:
            return []
        try:
            rows = self.db.execute(
                "select rowid, -bm25(chunks_fts, 1.0, 0.35) from chunks_fts where chunks_fts match ? "
                "order by bm25(chunks_fts, 1.0, 0.35) limit ?", [match, limit]).fetchall()
        except sqlite3.OperationalError:
            return []  # a query FTS5 cannot parse finds nothing rather than failing the question
        return [(int(r[0]), float(r[1])) for r in rows]

    def chunk_ranges(self) -> list[tuple[int, int, int, int]]:
        """(first chunk id, last chunk id, document id, chunks) of every document, by first id:
        a document's chunks are saved in one transaction, so their ids run in one range."""
        return sorted(tuple(r) for r in self.db.execute(
            "select min(id), max(id), document_id, count(*) from chunks group by document_id"))

    def search_texts(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """The folded (text, context) FTS5 searches, by chunk id."""
        if not ids:
            return {}
        rows = self.db.execute(
            f"select id, search_text, search_context from chunks where id in ({','.join('?' * len(ids))})", ids)
        return {r[0]: (r[1], r[2]) for r in rows}

    def chunk_rows(self, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.query(
            "select c.id, c.document_id, c.ordinal, c.section_ordinal, c.path, c.month, c.start, c.end, c.text,"
            " d.file_name, d.title, d.kind, d.issuer, d.number, d.date, d.date_text, d.school_year, d.unit"
            f" from chunks c join documents d on d.id = c.document_id where c.id in ({marks})", ids)
        return {r["id"]: r for r in rows}

    def chunk_texts(self, ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
        """Chunks' words as a reader meets them: text, heading path and document (all chunks, or `ids`)."""
        select = ("select c.id, c.text || ' ' || c.path || ' ' || d.issuer || ' ' || d.title"
                  " from chunks c join documents d on d.id = c.document_id")
        if ids is None:
            return [(r[0], r[1]) for r in self.db.execute(select)]
        ids, out = list(ids), []
        for i in range(0, len(ids), 500):
            batch = ids[i:i + 500]
            out += [(r[0], r[1]) for r in self.db.execute(
                f"{select} where c.id in ({','.join('?' * len(batch))})", batch)]
        return out

    def archived_chunk_texts(self, wanted: dict[int, str]) -> dict[int, str]:
        """The words (as `chunk_texts` gives them) of removed chunks, wanted by id and content
        hash, from the versions they were archived in, newest first. A chunk deleted without a
        version (a save a crash cut short) is missing from the result."""
        found: dict[int, str] = {}
        for (rows,) in self.db.execute("select rows from versions order by id desc"):
            if len(found) == len(wanted):
                break
            archived = json.loads(rows)
            document = archived["document"]
            for chunk in archived["chunks"]:
                if wanted.get(chunk["id"]) == chunk["content_hash"] and chunk["id"] not in found:
                    found[chunk["id"]] = " ".join((chunk["text"], chunk["path"], document["issuer"], document["title"]))
        return found

    def chunk_hashes(self) -> dict[int, str]:
        """Every chunk's id and content hash: ids can be reused after a deletion, hashes tell."""
        return dict(self.db.execute("select id, content_hash from chunks").fetchall())

    # -- tasks -----------------------------------------------------------------------------

    def tasks(self, document_ids: Iterable[int] | None = None, dated_only: bool = False) -> list[dict]:
        """Tasks with their document (issuer, unit, school year, title, number) and passage (section
        path), in document order. `document_ids`: only these documents' tasks."""
        where, params = [], []
        if document_ids is not None:
            ids = list(document_ids)
            if not ids:
                return []
            where.append(f"t.document_id in ({','.join('?' * len(ids))})")
            params.extend(ids)
        if dated_only:
            where.append("(t.deadline_end is not null or t.recurring != '')")
        sql = _TASK_SELECT + (" where " + " and ".join(where) if where else "") + " order by t.document_id, t.ordinal"
        rows = list(self.db.query(sql, params))
        for row in rows:
            row["year_conflict"] = bool(row["year_conflict"])
        return rows


_TASK_SELECT = (
    "select t.id, t.document_id, t.chunk_id, t.ordinal, t.month, t.text, t.deadline_start, t.deadline_end,"
    " t.deadline_text, t.deadline_kind, t.recurring, t.year_conflict, d.issuer, d.unit, d.unit_kind,"
    " d.district, d.school_year, d.title, d.number, d.date, d.file_name, c.path as section,"
    " c.ordinal as chunk_ordinal"
    " from tasks t join documents d on d.id = t.document_id left join chunks c on c.id = t.chunk_id")

_DOCUMENT_SELECT = (
    "select d.*, (select count(*) from chunks c where c.document_id = d.id) as chunk_count,"
    " (select count(*) from sections s where s.document_id = d.id) as section_count from documents d")


def passage_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its own heading first when the text does not start with it,
    so an item under "Tháng 12/2023" or "a. Chỉ tiêu" carries that context."""
    heading = chunk.path.rsplit(" > ", 1)[-1] if chunk.path else ""
    if heading and not chunk.text.startswith(heading.rstrip("…")[:20]):
        return f"{heading}\n{chunk.text}"
    return chunk.text


def passage_hash(embedder_name: str, text: str) -> str:
    return hashlib.sha256(f"{embedder_name}\n{text}".encode()).hexdigest()


# Share of word triples two texts must have in common to count as versions of one document.
SAME_TEXT = 0.6


def same_directive(doc: Document, row: dict) -> str:
    """Whether a new document is a new version of a stored one: "same", "maybe" or "other".

    Same directive: same issuer and number, and issued the same year (numbers restart every
    year); or same file name and issuer with mostly the same text. A file name or a number alone
    never decides: offices name files alike, and a garbage parse has no issuer."""
    m = doc.metadata
    same_issuer = m.issuer == row["issuer"]
    if same_issuer and m.number and m.number == row["number"]:
        if m.date and row["date"]:
            return "same" if m.date[:4] == row["date"][:4] else "other"
        if m.school_year and row["school_year"]:
            return "same" if m.school_year == row["school_year"] else "other"
        return "maybe"
    if doc.source.name == row["file_name"]:
        if same_issuer and text_overlap(doc.text, row["text"]) >= SAME_TEXT:
            return "same"
        if (m.issuer and row["issuer"] and not same_issuer) or (m.number and row["number"]):
            return "other"  # two offices, or two numbered directives of one office
        return "maybe"
    return "other"


def text_overlap(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' word triples (accents and case folded)."""
    def triples(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", fold(text))
        return set(zip(words, words[1:], words[2:]))
    x, y = triples(a), triples(b)
    return len(x & y) / len(x | y) if x or y else 1.0


def display_title(doc: Document) -> str:
    """"Kế hoạch số 88/KH-MNSS — Thực hiện nhiệm vụ năm học 2023 - 2024": kind, number, what about."""
    m = doc.metadata
    kind = (m.kind or "văn bản").capitalize()
    number = f" số {m.number}" if m.number else ""
    about = m.subject or m.title
    if about.lower().startswith(m.kind.lower()) and m.kind:
        about = about[len(m.kind):].strip(" :-")  # the title block repeats the kind: "KẾ HOẠCH ..."
    return f"{kind}{number}" + (f" — {about}" if about else "")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _next_document_id(db: sqlite_utils.Database) -> int:
    """Ids are never reused (SQLite would reuse the highest after a deletion): history and
    answers name documents by id, and a replaced or removed one keeps its id, to be restored as."""
    return 1 + db.execute("select max(coalesce((select max(id) from documents), 0),"
                          " coalesce((select max(document_id) from versions), 0))").fetchone()[0]


def _connect(path: Path) -> sqlite_utils.Database:
    # check_same_thread=False: a bot answers in worker threads. The timeout covers a writer's
    # transaction (milliseconds) and a reader rebuilding the vectors file.
    db = sqlite_utils.Database(sqlite3.connect(path, check_same_thread=False, timeout=60))
    # Turning an old home's rollback journal into WAL takes the database exclusively, and SQLite
    # reports "locked" at once, without its busy handler, when another process does the same at
    # that moment (two bots started together on a home made by an older version): try again.
    deadline = time.monotonic() + 60
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    db.execute("PRAGMA foreign_keys=ON")
    return db
