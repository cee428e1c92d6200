"""The index: SQLite (system of record) plus a FAISS file of chunk vectors beside it.

Layout of CONGVAN_HOME:
  congvan.db        documents, sections, chunks (+ FTS5 over folded text), embeddings, ingest_log
  vectors.faiss     chunk vectors keyed by chunk id; vectors.json says which DB generation it holds
  files/            the original files, named by their SHA-256, so any document can be re-parsed

Every change to the documents is one SQLite transaction that also bumps `generation`; the FAISS
file is derived from the embeddings table and is rebuilt whenever its generation disagrees, so a
crash between the two writes can never leave search pointing at rows that are gone.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Iterable

import numpy as np
import sqlite_utils

from ingest.model import Chunk, Document

from .fold import fold
from .units import describe as describe_unit
from .vectors import VectorIndex

# Bump when parsing changes, so unchanged files are parsed again with the new code.
PARSER_VERSION = 2  # 2: tasks and deadlines


class Store:
    def __init__(self, home: Path):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "files").mkdir(exist_ok=True)
        # Bots answer on the event loop and ingest in a worker thread: one connection serves both.
        self.db = sqlite_utils.Database(sqlite3.connect(self.home / "congvan.db", check_same_thread=False))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        _create_schema(self.db)
        self._vectors: VectorIndex | None = None
        self._vectors_generation = -1

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

    def document_by_sha256(self, sha256: str) -> dict | None:
        """The document made from exactly this file by the current parser, if any."""
        rows = list(self.db.query(_DOCUMENT_SELECT + " where d.sha256 = ? and d.parser_version = ?",
                                  [sha256, PARSER_VERSION]))
        return rows[0] if rows else None

    def embedder_name(self) -> str:
        return self.db.execute("select embedder from state").fetchone()[0]

    def find_previous(self, doc: Document) -> dict | None:
        """The stored version a new file replaces: same file name, or same issuer and number."""
        m = doc.metadata
        rows = list(self.db.query(
            "select * from documents where file_name = ? or (number != '' and number = ? and issuer = ?) "
            "order by id desc limit 1", [doc.source.name, m.number, m.issuer]))
        return rows[0] if rows else None

    def sections(self, document_id: int) -> list[dict]:
        return list(self.db["sections"].rows_where("document_id = ?", [document_id], order_by="ordinal"))

    def original_path(self, document: dict) -> Path:
        return self.home / "files" / f"{document['sha256']}.{document['format']}"

    # -- writing ---------------------------------------------------------------------------

    def save_document(self, doc: Document, original: Path | None, embedded: list[tuple[str, np.ndarray]],
                      embedder_name: str, replaces: int | None = None) -> int:
        """Insert a fully parsed and embedded document, dropping the version it replaces, atomically.

        `embedded` holds each chunk's (passage_hash, vector), in chunk order."""
        if original is not None:
            target = self.home / "files" / f"{doc.source.sha256}.{doc.source.format}"
            if not target.exists():
                shutil.copyfile(original, target)
        m = doc.metadata
        unit, unit_kind, district = describe_unit(m.issuer, m.issuer_lines, m.place)
        with self.db.conn:
            document_id = self.db["documents"].insert({
                "file_name": doc.source.name, "sha256": doc.source.sha256, "size": doc.source.size,
                "format": doc.source.format, "extraction": doc.source.extraction,
                "parser_version": PARSER_VERSION, "title": display_title(doc), "kind": m.kind,
                "issuer": m.issuer, "issuer_lines": json.dumps(m.issuer_lines, ensure_ascii=False),
                "number": m.number, "place": m.place, "date": m.date, "date_text": m.date_text,
                "subject": m.subject, "school_year": m.school_year,
                "recipients": json.dumps(m.recipients, ensure_ascii=False),
                "text": doc.text, "ingested_at": _now(),
                "unit": unit, "unit_kind": unit_kind, "district": district,
            }).last_pk
            self.db["sections"].insert_all(
                {"document_id": document_id, "ordinal": s.ordinal, "parent_ordinal": s.parent,
                 "level": s.level, "label": s.label, "heading": s.heading, "start": s.start,
                 "end": s.end, "month": s.month} for s in doc.sections)
            context = fold(" ".join(filter(None, [m.issuer, m.place, m.subject, m.title])))
            chunk_ids: dict[int, int] = {}
            for chunk, (content_hash, vector) in zip(doc.chunks, embedded):
                self.db["embeddings"].insert(
                    {"model": embedder_name, "content_hash": content_hash, "dim": int(vector.shape[0]),
                     "vector": np.asarray(vector, dtype=np.float32).tobytes()}, ignore=True)
                chunk_ids[chunk.ordinal] = self.db["chunks"].insert({
                    "document_id": document_id, "ordinal": chunk.ordinal, "section_ordinal": chunk.section,
                    "path": chunk.path, "month": chunk.month, "start": chunk.start, "end": chunk.end,
                    "text": chunk.text, "content_hash": content_hash,
                    "search_text": fold(chunk.text), "search_context": fold(chunk.path) + " " + context,
                }).last_pk
            self.db["tasks"].insert_all(
                {"document_id": document_id, "chunk_id": chunk_ids.get(t.chunk), "ordinal": t.ordinal,
                 "month": t.month, "text": t.text, "deadline_start": t.deadline_start or None,
                 "deadline_end": t.deadline_end or None, "deadline_text": t.deadline_text,
                 "deadline_kind": t.deadline_kind, "recurring": t.recurring,
                 "year_conflict": int(t.year_conflict)} for t in doc.tasks)
            if replaces is not None:
                self._delete_rows(replaces)
            self._bump_generation(embedder_name)
        return document_id

    def remove_document(self, document_id: int, embedder_name: str) -> None:
        with self.db.conn:
            self._delete_rows(document_id)
            self._bump_generation(embedder_name)

    def _delete_rows(self, document_id: int) -> None:
        self.db.execute("delete from tasks where document_id = ?", [document_id])
        self.db.execute("delete from chunks where document_id = ?", [document_id])
        self.db.execute("delete from sections where document_id = ?", [document_id])
        self.db.execute("delete from documents where id = ?", [document_id])

    def _bump_generation(self, embedder_name: str) -> None:
        self.db.execute("update state set generation = generation + 1, embedder = ?", [embedder_name])

    def log(self, file_name: str, action: str, *, sha256: str = "", document_id: int | None = None,
            reason: str = "", seconds: float = 0.0) -> None:
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
        return self.db.execute("select generation from state").fetchone()[0]

    def vectors(self) -> VectorIndex:
        """The FAISS index for the current generation, loaded or rebuilt as needed."""
        generation = self.generation()
        if self._vectors is not None and self._vectors_generation == generation:
            return self._vectors
        faiss_path, info_path = self.home / "vectors.faiss", self.home / "vectors.json"
        index = None
        if faiss_path.exists() and info_path.exists():
            info = json.loads(info_path.read_text())
            if info.get("generation") == generation:
                index = VectorIndex.load(faiss_path)
        if index is None:
            index = self._rebuild_vectors()
            index.save(faiss_path)
            tmp = info_path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps({"generation": generation, "count": len(index)}))
            tmp.replace(info_path)
        self._vectors, self._vectors_generation = index, generation
        return index

    def _rebuild_vectors(self) -> VectorIndex:
        rows = list(self.db.query(
            "select c.id, e.vector, e.dim from chunks c join embeddings e "
            "on e.content_hash = c.content_hash and e.model = (select embedder from state)"))
        dim = rows[0]["dim"] if rows else 384
        index = VectorIndex(dim)
        if rows:
            index.add([r["id"] for r in rows],
                      np.vstack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows]))
        return index

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


def _create_schema(db: sqlite_utils.Database) -> None:
    if "documents" in db.table_names():
        _add_tasks_and_units(db)
        return
    with db.conn:
        db["documents"].create({
            "id": int, "file_name": str, "sha256": str, "size": int, "format": str, "extraction": str,
            "parser_version": int, "title": str, "kind": str, "issuer": str, "issuer_lines": str,
            "number": str, "place": str, "date": str, "date_text": str, "subject": str,
            "school_year": str, "recipients": str, "text": str, "ingested_at": str,
        }, pk="id")
        db["sections"].create({
            "id": int, "document_id": int, "ordinal": int, "parent_ordinal": int, "level": int,
            "label": str, "heading": str, "start": int, "end": int, "month": str,
        }, pk="id", foreign_keys=[("document_id", "documents", "id")])
        db["chunks"].create({
            "id": int, "document_id": int, "ordinal": int, "section_ordinal": int, "path": str,
            "month": str, "start": int, "end": int, "text": str, "content_hash": str,
            "search_text": str, "search_context": str,
        }, pk="id", foreign_keys=[("document_id", "documents", "id")])
        db["chunks"].create_index(["document_id"])
        db["sections"].create_index(["document_id"])
        # Triggers keep the FTS table in step with chunks inside the same transaction.
        db["chunks"].enable_fts(["search_text", "search_context"], fts_version="FTS5",
                                tokenize="unicode61 remove_diacritics 2", create_triggers=True)
        db["embeddings"].create({"model": str, "content_hash": str, "dim": int, "vector": bytes},
                                pk=("model", "content_hash"))
        db["ingest_log"].create({
            "id": int, "at": str, "file_name": str, "sha256": str, "action": str,
            "document_id": int, "reason": str, "seconds": float}, pk="id")
        db["state"].insert({"generation": 0, "embedder": ""})
    _add_tasks_and_units(db)


def _add_tasks_and_units(db: sqlite_utils.Database) -> None:
    """Tables and columns added after the first release; a home made before them gains them
    here, and its documents' units are filled from the metadata already stored."""
    with db.conn:
        documents = db["documents"]
        added = [c for c in ("unit", "unit_kind", "district") if c not in documents.columns_dict]
        for column in added:
            documents.add_column(column, str)
        if added:
            for row in list(db.query("select id, issuer, issuer_lines, place from documents")):
                unit, kind, district = describe_unit(row["issuer"] or "", json.loads(row["issuer_lines"] or "[]"),
                                                     row["place"] or "")
                documents.update(row["id"], {"unit": unit, "unit_kind": kind, "district": district})
        if "tasks" not in db.table_names():
            db["tasks"].create({
                "id": int, "document_id": int, "chunk_id": int, "ordinal": int, "month": str, "text": str,
                "deadline_start": str, "deadline_end": str, "deadline_text": str, "deadline_kind": str,
                "recurring": str, "year_conflict": int,
            }, pk="id", foreign_keys=[("document_id", "documents", "id"), ("chunk_id", "chunks", "id")])
            db["tasks"].create_index(["document_id"])
            db["tasks"].create_index(["deadline_end"])
