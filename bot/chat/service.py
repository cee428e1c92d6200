"""What every chat channel does, whatever its wire: the chat service over `bot.core.api.Congvan`.

A chat is a `ChatKey` (channel, chat id as a string); a user is their id on that channel, as a
string. Every method returns a list of replies (bot/chat/replies.py): DATA that the channel
renders with its templates (prompts/<format>/<template>.j2), never channel text.

Everyone:
    seen(key, chat_type, title)           a chat wrote (call it first on every message: a chat
                                          that writes again is active again) · left(key, reason)
    start(key, user, group=, bot_name=)   what the bot does, and the unit menu when none is chosen
    ask(key, question, user)              an `AnswerReply` asked with the chat's unit, saved so its
                                          choices (src:/file:/fb:) work later
    handle_text(key, text, user)          for channels without buttons or command menus: a reply
                                          to the choices last offered ("2", or a label typed with
                                          or without diacritics), else a command as teachers type
                                          it (bot/chat/commands.py), else a question
    run(key, command, user)               one command: start, unit, month, upcoming, subscribe,
                                          unsubscribe, ask, documents, remove
    choose(key, choice_id, user)          a choice pressed or typed: unit:…, src:…, file:…, fb:…,
                                          del:…, ver:…
    unit_menu(key) · set_unit(key, text)  list units and set the chat's unit
    month_tasks(key, text) · upcoming(key)   a month's tasks (/thang [12 | 12/2024]) and deadlines
                                          of the next UPCOMING_DAYS days, for the chat's unit
    source(key, answer_id, i) · original(key, answer_id, i)   a citation's section, its file
    feedback(key, user, answer_id, verdict)
    subscribe(key) · unsubscribe(key)
Admins (one check, `is_admin`, from the settings' <channel>_admins):
    documents(key, user)                  the documents list
    accept_upload(key, user, name, size)  (go ahead?, replies) before a file is downloaded
    ingest_upload(key, user, path)        load a file; a possible new version comes with the
                                          replace / keep-both choice; subscribers are notified
    confirm_removal(key, user, text)      removal, after a confirmation choice

Blocking calls (ask, ingest_upload, choose on del:/ver:) read or write the index: a channel runs
them in a worker thread. Uploads, replacements and removals go one at a time.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import threading
from collections.abc import Collection, Mapping
from datetime import time
from pathlib import Path

from bot.core.api import Congvan, FileResult
from bot.core.clock import Clock
from index.fold import folded_words

from .commands import Command, match
from .outbox import Outbox
from .replies import AnswerReply, Choice, FileReply, Message, Reply, Source, notice
from .store import ChatKey, ChatStore
from .tasklist import parse_month_arg, task_message

UPLOAD_SUFFIXES = {".docx", ".doc", ".pdf", ".txt"}
UPCOMING_DAYS = 14
MAX_UNIT_CHOICES = 40


def admins_from(settings) -> dict[str, frozenset[str]]:
    """Admin user ids per channel from the settings' `<channel>_admins` fields ("telegram_admins",
    "zalo_oa_admins" → channel "zalo_oa")."""
    return {name[:-len("_admins")]: frozenset(str(i) for i in value)
            for name, value in settings if name.endswith("_admins")}


class ChatService:
    def __init__(self, congvan: Congvan, chats: ChatStore, admins: Mapping[str, Collection[str]],
                 clock: Clock, reminder_days: int = 3, broadcast_time: time = time(7, 0),
                 outbox: Outbox | None = None, no_files: Collection[str] = ()):
        """`admins`: user ids per channel. `no_files`: channels that cannot send a file (Zalo
        Bot): their answers offer no "Văn bản gốc" choice."""
        self.congvan = congvan
        self.chats = chats
        self.admins = {channel: frozenset(map(str, ids)) for channel, ids in admins.items()}
        self.clock = clock
        self.reminder_days = reminder_days
        self.broadcast_time = broadcast_time
        self.outbox = outbox or Outbox(congvan, chats, reminder_days)
        self.no_files = frozenset(no_files)
        self._ingesting = threading.Lock()  # one upload, replacement or removal at a time

    @classmethod
    def from_settings(cls, congvan: Congvan, settings, clock: Clock | None = None, **options) -> ChatService:
        return cls(congvan, ChatStore(congvan.store.home / "congvan.db"), admins_from(settings),
                   clock or Clock(settings.timezone), settings.reminder_days, settings.broadcast_time, **options)

    # -- who ---------------------------------------------------------------------------------

    def seen(self, key: ChatKey, chat_type: str = "private", title: str = "") -> dict:
        """A chat wrote: it is active again, and broadcasts deferred for it are owed again (the
        channel's next `Outbox.deliver` sends them)."""
        chat = self.chats.seen(key, chat_type, title)
        self.chats.undefer(key)
        return chat

    def left(self, key: ChatKey, reason: str) -> None:
        """The user blocked the bot, unfollowed, or a group removed it: no more broadcasts to them
        until they write again."""
        self.chats.mark_inactive(key, reason)

    def is_admin(self, key: ChatKey, user: str | int | None) -> bool:
        return user is not None and str(user) in self.admins.get(key.channel, ())

    def unit_of(self, key: ChatKey) -> str | None:
        chat = self.chats.chat(key)
        return chat["unit"] if chat else None

    def _chat(self, key: ChatKey) -> dict:
        return self.chats.chat(key) or self.chats.seen(key, "private", "")

    # -- entry points ------------------------------------------------------------------------

    def handle_text(self, key: ChatKey, text: str, user: str | None = None) -> list[Reply]:
        """A message on a channel without buttons or a command menu."""
        choice = self.resolve_choice(key, text)
        if choice is not None:
            return self.choose(key, choice, user)
        offered = self.pending(key)
        if offered and re.fullmatch(r"\s*(?:số\s*)?\d+\s*", text, re.IGNORECASE):
            return [notice("choice_range", count=len(offered))]  # the menu stays offered
        command = match(text)
        if command is not None and not (command.name == "unit" and not command.slash and command.arg
                                        and self.congvan.resolve_unit(command.arg) is None):
            return self.run(key, command, user)
        return self.ask(key, text, user)

    def run(self, key: ChatKey, command: Command, user: str | None = None, **context) -> list[Reply]:
        arg = command.arg
        if command.name == "start":
            return self.start(key, user, **context)
        if command.name == "unit":
            return self.set_unit(key, arg) if arg else self.unit_menu(key)
        if command.name == "month":
            return self.month_tasks(key, arg)
        if command.name == "upcoming":
            return self.upcoming(key)
        if command.name == "subscribe":
            return self.subscribe(key)
        if command.name == "unsubscribe":
            return self.unsubscribe(key)
        if command.name == "ask":
            return self.ask(key, arg, user)
        if command.name == "documents":
            return self.documents(key, user)
        if command.name == "remove":
            return self.confirm_removal(key, user, arg)
        raise ValueError(f"unknown command {command.name!r}")

    def choose(self, key: ChatKey, choice_id: str, user: str | None = None) -> list[Reply]:
        kind, _, rest = choice_id.partition(":")
        parts = rest.split(":")
        if kind == "unit":
            return self._offer(key, self._choose_unit(key, rest))
        if kind in ("src", "file") and len(parts) == 2 and all(p.isdigit() for p in parts):
            method = self.source if kind == "src" else self.original
            return method(key, int(parts[0]), int(parts[1]))
        if kind == "fb" and len(parts) == 2 and parts[0].isdigit():
            return self.feedback(key, user, int(parts[0]), parts[1])
        if kind == "del":
            return self._offer(key, self._remove(key, user, parts))
        if kind == "ver" and len(parts) == 4:
            return self._offer(key, self._version(key, user, *parts))
        return [notice("source_gone")]

    # -- choices remembered for channels without buttons -----------------------------------

    def _offer(self, key: ChatKey, replies: list[Reply]) -> list[Reply]:
        """Remember the last choices offered: the next "2" or label typed picks one of them."""
        offered = [r for r in replies if r.choices]
        self._chat(key)
        self.chats.set_pending(key, [{"id": c.id, "label": c.label} for c in offered[-1].choices] if offered else [])
        return replies

    def pending(self, key: ChatKey) -> list[Choice]:
        chat = self.chats.chat(key)
        return [Choice(c["id"], c["label"]) for c in (chat["pending"] if chat else [])]

    def resolve_choice(self, key: ChatKey, text: str) -> str | None:
        """The id of the offered choice a message picks: its number ("2", "số 2") or its label
        typed with or without diacritics; None when it picks none."""
        choices = self.pending(key)
        if not choices:
            return None
        words = folded_words(text)
        if words and words[0] == "so":
            words = words[1:]
        if len(words) == 1 and words[0].isdigit():
            number = int(words[0])
            return choices[number - 1].id if 1 <= number <= len(choices) else None
        wanted = " ".join(words)
        found = [c for c in choices if wanted and " ".join(folded_words(c.label)) == wanted]
        return found[0].id if len(found) == 1 else None

    # -- everyone ----------------------------------------------------------------------------

    def start(self, key: ChatKey, user: str | None = None, group: bool = False, bot_name: str = "") -> list[Reply]:
        unit = self.unit_of(key)
        units = self.congvan.units()
        intro = Message(template="start", params={
            "documents": len(self.congvan.documents()), "group": group, "bot_username": bot_name,
            "reminder_days": self.reminder_days, "admin": self.is_admin(key, user), "unit": unit,
            "has_units": bool(units), "upcoming_days": UPCOMING_DAYS},
            choices=[] if unit else _unit_choices(units))
        return self._offer(key, [intro])

    def ask(self, key: ChatKey, question: str, user: str | None = None) -> list[Reply]:
        question = question.strip()
        if not question:
            return self._offer(key, [notice("ask_usage")])
        # The asker's unit ranks its own directives first; the clock decides the current school year.
        answer = self.congvan.ask(question, unit=self.unit_of(key), today=self.clock.today())
        # The file's hash too: a choice made after the document was removed must not open another
        # document that was given the same id since.
        citations = [{"doc_id": c.doc_id, "sha256": (self.congvan.document(c.doc_id) or {}).get("sha256", ""),
                      "start": c.start, "end": c.end, "title": c.title, "section": c.section,
                      "sentence": c.sentence} for c in answer.citations]
        answer_id = self.chats.save_answer(key, user, question, answer.text, answer.abstained, citations)
        return self._offer(key, [AnswerReply(answer=answer, answer_id=answer_id,
                                             choices=_answer_choices(answer_id, len(citations),
                                                                     files=key.channel not in self.no_files))])

    def _cited(self, answer_id: int, index: int) -> tuple[dict, dict] | tuple[None, None]:
        """The citation a choice is for and its document, if that document is still loaded."""
        answer = self.chats.answer(answer_id)
        if answer is None or index >= len(answer["citations"]):
            return None, None
        citation = answer["citations"][index]
        document = self.congvan.document(citation["doc_id"])
        if document is None or document["sha256"] != citation.get("sha256"):
            return None, None
        return citation, document

    def source(self, key: ChatKey, answer_id: int, index: int) -> list[Reply]:
        citation, document = self._cited(answer_id, index)
        section = citation and self.congvan.source_section(document["id"], citation["start"], citation["end"])
        if not section:
            return [notice("source_gone")]
        return [Source(section=section, start=citation["start"], end=citation["end"],
                       sentence=citation.get("sentence", ""))]

    def original(self, key: ChatKey, answer_id: int, index: int) -> list[Reply]:
        _, document = self._cited(answer_id, index)
        path = document and self.congvan.store.original_path(document)
        if not path or not path.is_file():
            return [notice("source_gone")]
        return [FileReply(path=path, filename=document["file_name"], caption=notice("original", doc=document))]

    def feedback(self, key: ChatKey, user: str | None, answer_id: int, verdict: str) -> list[Reply]:
        if verdict not in ("up", "down"):
            return []
        self.chats.record_feedback(answer_id, key, str(user if user is not None else key.chat_id), verdict)
        return [notice("thanks", brief=True)]

    # -- units -------------------------------------------------------------------------------

    def unit_menu(self, key: ChatKey) -> list[Reply]:
        units = self.congvan.units()
        return self._offer(key, [Message(template="replies", params={"key": "unit_prompt", "has_units": bool(units)},
                                         choices=_unit_choices(units, allow_none=True))])

    def set_unit(self, key: ChatKey, text: str) -> list[Reply]:
        unit = self.congvan.resolve_unit(text)
        if unit is None:
            units = self.congvan.units()
            return self._offer(key, [Message(template="replies", params={
                "key": "unit_not_found", "text": text, "has_units": bool(units)},
                choices=_unit_choices(units, allow_none=True))])
        return self._offer(key, [self._unit_set(key, unit["name"])])

    def _unit_set(self, key: ChatKey, unit: str) -> Message:
        self._chat(key)
        self.chats.set_unit(key, unit)
        return notice("unit_set", unit=unit, subscribed=bool(self._chat(key)["subscribed"]))

    def _choose_unit(self, key: ChatKey, unit_key: str) -> list[Reply]:
        if unit_key == "*":
            self._chat(key)
            self.chats.set_unit(key, None)
            return [notice("unit_cleared", settles=True)]
        units = self.congvan.units()
        unit = next((u for u in units if _unit_key(u["name"]) == unit_key), None)
        if unit is None:  # the list changed since the choices were offered
            return [Message(template="replies", params={"key": "unit_prompt", "has_units": bool(units)},
                            choices=_unit_choices(units, allow_none=True), settles=True)]
        reply = self._unit_set(key, unit["name"])
        reply.settles = True
        return [reply]

    def _require_unit(self, key: ChatKey) -> tuple[str | None, list[Reply]]:
        unit = self.unit_of(key)
        if unit:
            return unit, []
        return None, self._offer(key, [Message(template="replies", params={"key": "unit_needed"},
                                               choices=_unit_choices(self.congvan.units()))])

    # -- tasks -------------------------------------------------------------------------------

    def month_tasks(self, key: ChatKey, text: str = "") -> list[Reply]:
        today = self.clock.today()
        month = parse_month_arg(text, today)
        if month is None:
            return self._offer(key, [notice("month_usage")])
        unit, needed = self._require_unit(key)
        if not unit:
            return needed
        return self._offer(key, [task_message(self.congvan.tasks(month=month, unit=unit, today=today),
                                              kind="month", unit=unit, month=month)])

    def upcoming(self, key: ChatKey) -> list[Reply]:
        unit, needed = self._require_unit(key)
        if not unit:
            return needed
        today = self.clock.today()
        tasks = self.congvan.tasks(unit=unit, upcoming_days=UPCOMING_DAYS, today=today)
        return self._offer(key, [task_message(tasks, kind="upcoming", unit=unit, today=today, days=UPCOMING_DAYS)])

    # -- subscriptions -----------------------------------------------------------------------

    def subscribe(self, key: ChatKey) -> list[Reply]:
        chat = self._chat(key)
        if chat["subscribed"]:
            return self._offer(key, [notice("already_subscribed")])
        self.chats.set_subscribed(key, True)
        units = [] if chat["unit"] else self.congvan.units()
        return self._offer(key, [Message(template="replies", params={
            "key": "subscribed", "at": self.broadcast_time.strftime("%H:%M"), "reminder_days": self.reminder_days,
            "unit": chat["unit"]}, choices=_unit_choices(units))])

    def unsubscribe(self, key: ChatKey) -> list[Reply]:
        chat = self._chat(key)
        self.chats.set_subscribed(key, False)
        return self._offer(key, [notice("unsubscribed" if chat["subscribed"] else "not_subscribed")])

    # -- admins ------------------------------------------------------------------------------

    def documents(self, key: ChatKey, user: str | None) -> list[Reply]:
        if not self.is_admin(key, user):
            return self._offer(key, [notice("admin_only", action="xem danh sách văn bản")])
        documents = self.congvan.documents()
        if not documents:
            return self._offer(key, [notice("no_documents")])
        return self._offer(key, [Message(template="documents", params={"documents": documents})])

    def accept_upload(self, key: ChatKey, user: str | None, name: str, size: int | None = None,
                      limit_mb: int | None = None) -> tuple[bool, list[Reply]]:
        """Whether to download a file sent to the bot, and what to say now: a refusal, or that it
        is being processed. `limit_mb`: the channel's own download limit."""
        if not self.is_admin(key, user):
            return False, [notice("admin_only", action="nạp được văn bản")]
        if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
            return False, [notice("unsupported_file", name=name)]
        if limit_mb is not None and (size or 0) > limit_mb * 1024 * 1024:
            return False, [notice("file_too_big", name=name, limit_mb=limit_mb)]
        return True, [notice("processing", name=name)]

    def ingest_upload(self, key: ChatKey, user: str | None, path: Path) -> list[Reply]:
        """Load a file an admin sent (named as the sender named it: one sign of a new version).
        Blocking. A possible new version is added, and the admin chooses: replace or keep both."""
        if not self.is_admin(key, user):
            return [notice("admin_only", action="nạp được văn bản")]
        with self._ingesting:
            result = self.congvan.ingest_file(path)
        previous = self.congvan.document(result.maybe_replaces) if result.maybe_replaces is not None else None
        choices = _version_choices(self.congvan.document(result.document_id), previous["id"]) if previous else []
        if result.action in ("added", "updated") and result.document_id is not None:
            self.outbox.plan_new_document(self.congvan.document(result.document_id), self.clock.today())
        return self._offer(key, [_ingest_report(result, previous, choices)])

    def _version(self, key: ChatKey, user: str | None, choice: str, new_id: str, old_id: str,
                 sha: str) -> list[Reply]:
        if not self.is_admin(key, user):
            return [notice("admin_only_short", action="chọn được", alert=True)]
        if not (new_id.isdigit() and old_id.isdigit()):
            return [notice("source_gone")]
        new, old = self.congvan.document(int(new_id)), self.congvan.document(int(old_id))
        if new is None or new["sha256"][:12] != sha:
            return [_settled(notice("no_document", ref=f"#{new_id}"))]
        if choice == "add":
            return [_settled(notice("kept_as_new", doc=new, old_id=int(old_id)))]
        if old is None:
            return [_settled(notice("no_document", ref=f"#{old_id}"))]
        with self._ingesting:
            result = _replace_with_upload(self.congvan, new, old["id"])
        return [_settled(_ingest_report(result, None, []))]

    def confirm_removal(self, key: ChatKey, user: str | None, text: str) -> list[Reply]:
        if not self.is_admin(key, user):
            return self._offer(key, [notice("admin_only", action="xoá được văn bản")])
        text = text.strip().lstrip("#")
        if not text.isdigit():
            return self._offer(key, [notice("remove_usage")])
        document = self.congvan.document(int(text))
        if document is None:
            return self._offer(key, [notice("no_document", ref=text)])
        # The file's hash in the choice: a confirmation never removes a newer version loaded meanwhile.
        return self._offer(key, [Message(template="replies", params={"key": "remove_confirm", "doc": document},
                                         choices=[Choice(f"del:{document['id']}:{document['sha256'][:12]}", "🗑 Xoá"),
                                                  Choice("del:cancel", "Huỷ")])])

    def _remove(self, key: ChatKey, user: str | None, parts: list[str]) -> list[Reply]:
        if not self.is_admin(key, user):
            return [notice("admin_only_short", action="xoá được văn bản", alert=True)]
        if parts[0] == "cancel":
            return [_settled(notice("remove_cancelled"))]
        if len(parts) != 2 or not parts[0].isdigit():
            return [notice("source_gone")]
        document = self.congvan.document(int(parts[0]))
        if document is None or document["sha256"][:12] != parts[1]:
            return [_settled(notice("no_document", ref=f"#{parts[0]}"))]
        with self._ingesting:
            removed = self.congvan.remove(document["id"])
        return [_settled(notice("removed", doc=removed))]


def _settled(reply: Message) -> Message:
    reply.settles = True
    return reply


def _ingest_report(result: FileResult, previous: dict | None, choices: list[Choice]) -> Message:
    return Message(template="ingest", params={"r": result, "previous": previous}, choices=choices)


def _replace_with_upload(congvan: Congvan, new: dict, old_id: int) -> FileResult:
    """What the CLI's hint does (`remove NEW && ingest --replace OLD file`): the upload, added as
    a document of its own, becomes the new version of OLD instead; NEW stays in the history."""
    with tempfile.TemporaryDirectory(prefix="congvan-replace-") as folder:
        path = Path(folder) / new["file_name"]
        shutil.copyfile(congvan.store.original_path(new), path)
        congvan.remove(new["id"])
        return congvan.ingest_file(path, replace=old_id)


def _unit_key(name: str) -> str:
    # A choice id is at most 64 bytes (Telegram's callback data); a unit's name can be longer.
    return hashlib.sha1(name.encode()).hexdigest()[:12]


def _unit_choices(units: list[dict], allow_none: bool = False) -> list[Choice]:
    if not units:
        return []
    choices = [Choice(f"unit:{_unit_key(u['name'])}", u["name"]) for u in units[:MAX_UNIT_CHOICES]]
    if allow_none:
        choices.append(Choice("unit:*", "Tất cả văn bản (không chọn đơn vị)"))
    return choices


def _answer_choices(answer_id: int, citations: int, files: bool = True) -> list[Choice]:
    choices = []
    for i in range(citations):
        suffix = f" [{i + 1}]" if citations > 1 else ""
        choices.append(Choice(f"src:{answer_id}:{i}", f"📄 Xem nguyên văn{suffix}"))
        if files:
            choices.append(Choice(f"file:{answer_id}:{i}", f"📎 Văn bản gốc{suffix}"))
    return choices + [Choice(f"fb:{answer_id}:up", "👍 Hữu ích"), Choice(f"fb:{answer_id}:down", "👎 Chưa đúng")]


def _version_choices(new: dict, old_id: int) -> list[Choice]:
    # The new document's hash in the ids: a late choice never acts on another file.
    ids = f"{new['id']}:{old_id}:{new['sha256'][:12]}"
    return [Choice(f"ver:replace:{ids}", f"🔁 Thay #{old_id} bằng bản này"),
            Choice(f"ver:add:{ids}", "➕ Giữ là văn bản mới")]
