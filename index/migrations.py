"""The index's schema as one ordered list of migrations (sqlite-utils' `Migrations`).

Each step runs in a transaction together with the record that it ran (table
`_sqlite_migrations`, set "congvan.index"), so a step cut short by a crash runs again whole. Homes
made before this list existed have no record at all: every step therefore checks what is already
there and adds only what is missing, which carries a home of any earlier release forward. A new
schema change is a new function at the end; steps that have run are never edited.

Callers hold the home's write lock (`Store` does), so two processes opening an old home migrate
it once.
"""
from __future__ import annotations

import json

import sqlite_utils
from sqlite_utils import Migrations

from .units import describe as describe_unit

migrations = Migrations("congvan.index")

# The lookups each ingested file makes (same file? same directive?): without them every file
# read the whole documents table, texts included, and ingesting a province's library was
# quadratic.
LOOKUPS = {"idx_documents_sha256": ["sha256"], "idx_documents_file_name": ["file_name"],
           "idx_documents_number_issuer": ["number", "issuer"]}


def pending(db: sqlite_utils.Database) -> bool:
    """Whether any step has yet to run (reads only)."""
    return bool(migrations.pending(db))


def migrate(db: sqlite_utils.Database) -> None:
    migrations.apply(db)


@migrations()
def create_schema(db: sqlite_utils.Database) -> None:
    """The first release's tables."""
    if "documents" in db.table_names():  # a home made before migrations were recorded
        return
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


@migrations()
def add_tasks_and_units(db: sqlite_utils.Database) -> None:
    """The tasks table, and each document's unit and district, filled from the metadata already
    stored."""
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


@migrations()
def add_versions(db: sqlite_utils.Database) -> None:
    """Chunk totals, which tell a whole document from one a crash cut short, and the versions
    table of replaced and removed documents. Older documents keep a NULL total until their file
    is ingested again and found whole."""
    if "chunk_total" not in db["documents"].columns_dict:
        db["documents"].add_column("chunk_total", int)
    if "versions" not in db.table_names():
        db["versions"].create({
            "id": int, "at": str, "action": str, "document_id": int, "replaced_by": int,
            "file_name": str, "title": str, "sha256": str, "format": str, "rows": str, "restored_as": int,
        }, pk="id")


@migrations()
def add_lookups(db: sqlite_utils.Database) -> None:
    for name, columns in LOOKUPS.items():
        db["documents"].create_index(columns, index_name=name, if_not_exists=True)
