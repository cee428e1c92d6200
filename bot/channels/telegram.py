"""The Telegram bot: a python-telegram-bot Application over the same Python API as the CLI.

Handlers stay thin: they read the update, call bot.core.api.Congvan (questions, tasks, ingest), the
chat store (bot/chat/subscribers.py) or the broadcaster (bot/channels/telegram_broadcast.py), and reply with HTML
rendered from prompts/telegram_*.j2.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core.api import Congvan, FileResult
from bot.core.agenda import agenda_month
from .telegram_broadcast import Broadcaster, tasks_html
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.scope import current_school_year
from bot.chat.subscribers import ChatStore
from bot.core.tasks import parse_month
from .telegram_html import answer_html, render, section_html, split_message

logger = logging.getLogger(__name__)

UPLOAD_SUFFIXES = {".docx", ".doc", ".pdf", ".txt"}
DOWNLOAD_LIMIT_MB = 20  # the Bot API lets a bot download files up to 20 MB
UPCOMING_DAYS = 14
MAX_SECTION_MESSAGES = 4  # "Xem nguyên văn" of a very long section: the rest is in the original file
MAX_UNIT_BUTTONS = 40
RETRY_MINUTES = 10  # how often messages a broadcast could not send are tried again


@dataclass
class Services:
    """What the handlers share, kept in application.bot_data["services"]."""
    congvan: Congvan
    chats: ChatStore
    settings: Settings
    broadcaster: Broadcaster
    clock: Clock
    ingest_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def today(self) -> date:
        return self.clock.today()

    def is_admin(self, update: Update) -> bool:
        return bool(update.effective_user and update.effective_user.id in self.settings.telegram_admins)

    def unit_of(self, chat_id: int) -> str | None:
        chat = self.chats.chat(chat_id)
        return chat["unit"] if chat else None

    def ask(self, question: str, unit: str | None):
        # The asker's unit ranks its own directives first; the bot's clock decides the current school year.
        return self.congvan.ask(question, unit=unit, today=self.today())


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


def build_application(settings: Settings, congvan: Congvan | None = None,
                      now: Callable[[], datetime] | None = None) -> Application:
    """The bot, ready for run_polling()/run_webhook() or a test's manual start. `now` is where its
    clock takes the time from instead of the system (tests); jobs still fire on real time."""
    congvan = congvan or Congvan()
    chats = ChatStore(congvan.store.home / "congvan.db")
    builder = (ApplicationBuilder().token(settings.telegram_token)
               .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone,
                                  allow_sending_without_reply=True))
               # Retries a 429 after its retry_after and paces bursts under Telegram's limits.
               .rate_limiter(AIORateLimiter(max_retries=3))
               .post_init(_post_init))
    if settings.telegram_api_url:
        builder = builder.base_url(settings.telegram_api_url).base_file_url(
            settings.telegram_file_url or settings.telegram_api_url.replace("/bot", "/file/bot", 1))
    application = builder.build()
    application.bot_data["services"] = Services(
        congvan=congvan, chats=chats, settings=settings,
        broadcaster=Broadcaster(congvan, chats, settings.reminder_days),
        clock=Clock(settings.timezone, now))

    application.add_handler(TypeHandler(Update, track_chat), group=-1)
    application.add_handler(CommandHandler(["start", "help"], start))
    application.add_handler(CommandHandler("donvi", choose_unit))
    application.add_handler(CommandHandler("thang", month_tasks))
    application.add_handler(CommandHandler("han", deadlines))
    application.add_handler(CommandHandler("dangky", subscribe))
    application.add_handler(CommandHandler("huy", unsubscribe))
    application.add_handler(CommandHandler("hoi", ask_command))
    application.add_handler(CommandHandler("vanban", list_documents))
    application.add_handler(CommandHandler("xoa", remove_document))
    # block=False: an upload is parsed and embedded for a while; questions keep being answered.
    # Private chats only: files shared in a group are the group's business, not uploads.
    application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, upload, block=False))
    application.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, question))
    application.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS & filters.Entity(MessageEntity.MENTION),
        group_mention))
    application.add_handler(CallbackQueryHandler(on_unit, pattern=r"^unit:"))
    application.add_handler(CallbackQueryHandler(on_source, pattern=r"^src:"))
    application.add_handler(CallbackQueryHandler(on_original, pattern=r"^file:"))
    application.add_handler(CallbackQueryHandler(on_feedback, pattern=r"^fb:"))
    application.add_handler(CallbackQueryHandler(on_remove, pattern=r"^del:"))
    application.add_handler(CallbackQueryHandler(on_version, pattern=r"^ver:"))
    application.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(on_error)

    application.job_queue.run_daily(daily_broadcast, time=settings.broadcast_at, name="daily_broadcast")
    # Down at 07:00 and back later the same day: today's broadcast still goes out (the log
    # keeps it from going out twice).
    application.job_queue.run_once(catch_up, when=0, name="catch_up")
    application.job_queue.run_repeating(deliver_owed, interval=RETRY_MINUTES * 60, first=RETRY_MINUTES * 60,
                                        name="deliver_owed")
    return application


def run(settings: Settings, congvan: Congvan | None = None) -> None:
    """Serve until interrupted: webhook when a URL is configured, long polling otherwise."""
    application = build_application(settings, congvan)
    if settings.telegram_webhook_url:
        application.run_webhook(listen=settings.telegram_webhook_listen, port=settings.telegram_webhook_port,
                                url_path=urlparse(settings.telegram_webhook_url).path.lstrip("/"),
                                webhook_url=settings.telegram_webhook_url,
                                secret_token=settings.telegram_webhook_secret,
                                allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


async def _post_init(application: Application) -> None:
    await application.bot.set_my_commands([
        BotCommand("start", "Giới thiệu và cách hỏi"),
        BotCommand("thang", "Nhiệm vụ tháng này (hoặc /thang 12/2023)"),
        BotCommand("han", f"Các hạn trong {UPCOMING_DAYS} ngày tới"),
        BotCommand("dangky", "Nhận bản tin đầu tháng và nhắc hạn"),
        BotCommand("huy", "Thôi nhận bản tin"),
        BotCommand("donvi", "Chọn đơn vị"),
        BotCommand("hoi", "Hỏi (trong nhóm)"),
    ])
    # Load the model and count the corpus's words now, not on the first teacher's question
    # (tens of seconds over hundreds of directives, bench/growth.py).
    asyncio.get_running_loop().run_in_executor(None, application.bot_data["services"].congvan.warm_up)


# -- everyone ---------------------------------------------------------------------------------

async def track_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        title = chat.title or " ".join(filter(None, [chat.first_name, chat.last_name])) or chat.username or ""
        services(context).chats.seen(chat.id, chat.type, title)


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram says when a user blocks the bot or a group removes it: stop broadcasting to them."""
    if update.my_chat_member.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        services(context).chats.mark_inactive(update.effective_chat.id, "bot blocked or removed")


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    chat = update.effective_chat
    unit = svc.unit_of(chat.id)
    units = svc.congvan.units()
    text = render("telegram_start", documents=len(svc.congvan.documents()), group=chat.type != "private",
                  bot_username=context.bot.username, reminder_days=svc.settings.reminder_days,
                  admin=svc.is_admin(update), unit=unit, has_units=bool(units))
    await update.effective_message.reply_text(text, reply_markup=None if unit else _unit_keyboard(units))


async def choose_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    typed = " ".join(context.args)
    units = svc.congvan.units()
    if not typed:
        await update.effective_message.reply_text(render("telegram_replies", key="unit_prompt", has_units=bool(units)),
                                                  reply_markup=_unit_keyboard(units, allow_none=True))
        return
    unit = svc.congvan.resolve_unit(typed)
    if unit is None:
        await update.effective_message.reply_text(
            render("telegram_replies", key="unit_not_found", text=typed, has_units=bool(units)),
            reply_markup=_unit_keyboard(units, allow_none=True))
        return
    await update.effective_message.reply_text(_set_unit(svc, update.effective_chat.id, unit["name"]))


async def on_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    query = update.callback_query
    await query.answer()
    key = query.data.split(":", 1)[1]
    if key == "*":
        svc.chats.set_unit(query.message.chat.id, None)
        await query.edit_message_text(render("telegram_replies", key="unit_cleared"))
        return
    unit = next((u for u in svc.congvan.units() if _unit_key(u["name"]) == key), None)
    if unit is None:  # the list changed since the buttons were drawn
        units = svc.congvan.units()
        await query.edit_message_text(render("telegram_replies", key="unit_prompt", has_units=bool(units)),
                                      reply_markup=_unit_keyboard(units, allow_none=True))
        return
    await query.edit_message_text(_set_unit(svc, query.message.chat.id, unit["name"]))


def _set_unit(svc: Services, chat_id: int, unit: str) -> str:
    svc.chats.set_unit(chat_id, unit)
    subscribed = bool((svc.chats.chat(chat_id) or {}).get("subscribed"))
    return render("telegram_replies", key="unit_set", unit=unit, subscribed=subscribed)


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _answer(update, context, update.effective_message.text)


async def group_mention(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    mention = f"@{context.bot.username}".lower()
    mentioned = [text for text in message.parse_entities([MessageEntity.MENTION]).values()
                 if text.lower() == mention]
    if mentioned:  # a message mentioning only someone else is not for the bot
        await _answer(update, context, re.sub(re.escape(mention), " ", message.text, flags=re.IGNORECASE))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _answer(update, context, " ".join(context.args))


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    svc = services(context)
    message, chat = update.effective_message, update.effective_chat
    text = text.strip()
    if not text:
        await message.reply_text(render("telegram_replies", key="ask_usage"))
        return
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    # In a worker thread: under load an answer can take long enough to stall the polling loop.
    answer = await asyncio.to_thread(svc.ask, text, svc.unit_of(chat.id))
    # The file's hash too: a button pressed after the document was removed must not open another
    # document that was given the same id since.
    citations = [{"doc_id": c.doc_id, "sha256": (svc.congvan.document(c.doc_id) or {}).get("sha256", ""),
                  "start": c.start, "end": c.end, "title": c.title, "section": c.section,
                  "sentence": c.sentence} for c in answer.citations]
    answer_id = svc.chats.save_answer(chat.id, update.effective_user and update.effective_user.id, text,
                                      answer.answer, answer.abstained, citations)
    parts = split_message(answer_html(answer))
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_text(part, reply_markup=_answer_keyboard(answer_id, len(citations)) if last else None,
                                 do_quote=None if i == 0 else False)


def _answer_keyboard(answer_id: int, citations: int) -> InlineKeyboardMarkup:
    rows = []
    for i in range(citations):
        suffix = f" [{i + 1}]" if citations > 1 else ""
        rows.append([InlineKeyboardButton(f"📄 Xem nguyên văn{suffix}", callback_data=f"src:{answer_id}:{i}"),
                     InlineKeyboardButton(f"📎 Văn bản gốc{suffix}", callback_data=f"file:{answer_id}:{i}")])
    rows.append([InlineKeyboardButton("👍 Hữu ích", callback_data=f"fb:{answer_id}:up"),
                 InlineKeyboardButton("👎 Chưa đúng", callback_data=f"fb:{answer_id}:down")])
    return InlineKeyboardMarkup(rows)


def _cited(svc: Services, data: str) -> tuple[dict, dict] | tuple[None, None]:
    """The citation a button is for and its document, if that document is still loaded."""
    _, answer_id, index = data.split(":")
    answer = svc.chats.answer(int(answer_id))
    if answer is None or int(index) >= len(answer["citations"]):
        return None, None
    citation = answer["citations"][int(index)]
    document = svc.congvan.document(citation["doc_id"])
    if document is None or document["sha256"] != citation.get("sha256"):
        return None, None
    return citation, document


async def on_source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    query = update.callback_query
    await query.answer()
    citation, document = _cited(svc, query.data)
    section = citation and svc.congvan.source_section(document["id"], citation["start"], citation["end"])
    if not section:
        await query.message.reply_text(render("telegram_replies", key="source_gone"), do_quote=True)
        return
    parts = split_message(section_html(section, citation["start"], citation["end"], citation.get("sentence", "")))
    if len(parts) > MAX_SECTION_MESSAGES:
        parts = parts[:MAX_SECTION_MESSAGES - 1] + [render("telegram_replies", key="section_truncated")]
    for i, part in enumerate(parts):
        await query.message.reply_text(part, do_quote=i == 0)


async def on_original(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    query = update.callback_query
    await query.answer()
    _, document = _cited(svc, query.data)
    path = document and svc.congvan.store.original_path(document)
    if not path or not path.is_file():
        await query.message.reply_text(render("telegram_replies", key="source_gone"), do_quote=True)
        return
    await context.bot.send_chat_action(query.message.chat.id, ChatAction.UPLOAD_DOCUMENT)
    await query.message.reply_document(path, filename=document["file_name"], do_quote=True,
                                       caption=render("telegram_replies", key="original", doc=document))


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    query = update.callback_query
    _, answer_id, verdict = query.data.split(":")
    svc.chats.record_feedback(int(answer_id), query.message.chat.id, query.from_user.id, verdict)
    await query.answer("Cảm ơn thầy cô đã góp ý!")


async def month_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    month = _parse_month(" ".join(context.args), svc.today())
    if month is None:
        await update.effective_message.reply_text(render("telegram_replies", key="month_usage"))
        return
    unit = await _require_unit(update, svc)
    if unit:
        tasks = svc.congvan.tasks(month=month, unit=unit)
        await _reply_long(update, tasks_html(tasks, kind="month", unit=unit, month=month))


async def deadlines(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    unit = await _require_unit(update, svc)
    if unit:
        today = svc.today()
        tasks = svc.congvan.tasks(unit=unit, upcoming_days=UPCOMING_DAYS, today=today)
        await _reply_long(update, tasks_html(tasks, kind="upcoming", unit=unit, today=today, days=UPCOMING_DAYS))


async def _require_unit(update: Update, svc: Services) -> str | None:
    unit = svc.unit_of(update.effective_chat.id)
    if not unit:
        units = svc.congvan.units()
        await update.effective_message.reply_text(render("telegram_replies", key="unit_needed"),
                                                  reply_markup=_unit_keyboard(units))
    return unit


def _parse_month(text: str, today: date) -> str | None:
    """"" → this month; "12/2023", "12-2023", "2023-12" → that month; "12" → December of the
    school year running today (August to July)."""
    text = text.strip()
    if not text:
        return f"{today.year}-{today.month:02d}"
    if text.isdigit():
        return agenda_month(text, current_school_year([], today), today)[0] if 1 <= int(text) <= 12 else None
    try:
        return parse_month(text)
    except ValueError:
        return None


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    chat = svc.chats.chat(update.effective_chat.id)
    if chat["subscribed"]:
        await update.effective_message.reply_text(render("telegram_replies", key="already_subscribed"))
        return
    svc.chats.set_subscribed(chat["chat_id"], True)
    at = svc.settings.broadcast_time.strftime("%H:%M")
    units = [] if chat["unit"] else svc.congvan.units()
    await update.effective_message.reply_text(
        render("telegram_replies", key="subscribed", at=at, reminder_days=svc.settings.reminder_days,
               unit=chat["unit"]), reply_markup=_unit_keyboard(units) if units else None)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    chat = svc.chats.chat(update.effective_chat.id)
    svc.chats.set_subscribed(chat["chat_id"], False)
    key = "unsubscribed" if chat["subscribed"] else "not_subscribed"
    await update.effective_message.reply_text(render("telegram_replies", key=key))


# -- admins -----------------------------------------------------------------------------------

async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    message = update.effective_message
    document = message.document
    name = Path(document.file_name or f"{document.file_unique_id}").name
    if not svc.is_admin(update):
        await message.reply_text(render("telegram_replies", key="admin_only", action="nạp được văn bản"))
        return
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        await message.reply_text(render("telegram_replies", key="unsupported_file", name=name))
        return
    if (document.file_size or 0) > DOWNLOAD_LIMIT_MB * 1024 * 1024:
        await message.reply_text(render("telegram_replies", key="file_too_big", name=name, limit_mb=DOWNLOAD_LIMIT_MB))
        return
    await message.reply_text(render("telegram_replies", key="processing", name=name))
    async with svc.ingest_lock:  # one ingest at a time: they share the index's connection
        with tempfile.TemporaryDirectory(prefix="congvan-upload-") as folder:
            path = Path(folder) / name  # the sender's file name: one sign of a new version of a loaded one
            try:
                await (await document.get_file()).download_to_drive(path)
            except TelegramError as error:
                await message.reply_text(render("telegram_replies", key="download_failed", name=name,
                                                reason=str(error)))
                return
            result = await asyncio.to_thread(svc.congvan.ingest_file, path)
    # Added, but maybe a new version of a loaded document: the admin decides with a button.
    previous = svc.congvan.document(result.maybe_replaces) if result.maybe_replaces is not None else None
    keyboard = _version_keyboard(svc.congvan.document(result.document_id), previous["id"]) if previous else None
    await message.reply_text(render("telegram_ingest", r=result, previous=previous), reply_markup=keyboard)
    if result.action in ("added", "updated") and result.document_id is not None:
        stored = svc.congvan.document(result.document_id)
        if svc.broadcaster.plan_new_document(stored, svc.today()):
            await _deliver(context)


def _version_keyboard(new: dict, old_id: int) -> InlineKeyboardMarkup:
    # The new document's hash in the buttons: a late press never acts on another file.
    ids = f"{new['id']}:{old_id}:{new['sha256'][:12]}"
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(f"🔁 Thay #{old_id} bằng bản này", callback_data=f"ver:replace:{ids}"),
        InlineKeyboardButton("➕ Giữ là văn bản mới", callback_data=f"ver:add:{ids}")]])


async def on_version(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    query = update.callback_query
    if not svc.is_admin(update):
        await query.answer("Chỉ quản trị viên mới chọn được.", show_alert=True)
        return
    await query.answer()
    _, choice, new_id, old_id, sha = query.data.split(":")
    new, old = svc.congvan.document(int(new_id)), svc.congvan.document(int(old_id))
    if new is None or new["sha256"][:12] != sha:
        await query.edit_message_text(render("telegram_replies", key="no_document", ref=f"#{new_id}"))
        return
    if choice == "add":
        await query.edit_message_text(render("telegram_replies", key="kept_as_new", doc=new, old_id=old_id))
        return
    if old is None:
        await query.edit_message_text(render("telegram_replies", key="no_document", ref=f"#{old_id}"))
        return
    async with svc.ingest_lock:
        result = await asyncio.to_thread(_replace_with_upload, svc.congvan, new, old["id"])
    await query.edit_message_text(render("telegram_ingest", r=result, previous=None))


def _replace_with_upload(congvan: Congvan, new: dict, old_id: int) -> FileResult:
    """What the CLI's hint does (`remove NEW && ingest --replace OLD file`): the upload, added as
    a document of its own, becomes the new version of OLD instead; NEW stays in the history."""
    with tempfile.TemporaryDirectory(prefix="congvan-replace-") as folder:
        path = Path(folder) / new["file_name"]
        shutil.copyfile(congvan.store.original_path(new), path)
        congvan.remove(new["id"])
        return congvan.ingest_file(path, replace=old_id)


async def list_documents(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    if not svc.is_admin(update):
        await update.effective_message.reply_text(
            render("telegram_replies", key="admin_only", action="xem danh sách văn bản"))
        return
    documents = svc.congvan.documents()
    if not documents:
        await update.effective_message.reply_text(render("telegram_replies", key="no_documents"))
        return
    await _reply_long(update, render("telegram_documents", documents=documents))


async def remove_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    message = update.effective_message
    if not svc.is_admin(update):
        await message.reply_text(render("telegram_replies", key="admin_only", action="xoá được văn bản"))
        return
    if len(context.args) != 1 or not context.args[0].isdigit():
        await message.reply_text(render("telegram_replies", key="remove_usage"))
        return
    document = svc.congvan.document(int(context.args[0]))
    if document is None:
        await message.reply_text(render("telegram_replies", key="no_document", ref=context.args[0]))
        return
    # The file's hash in the button: a confirmation never removes a newer version loaded meanwhile.
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton("🗑 Xoá", callback_data=f"del:{document['id']}:{document['sha256'][:12]}"),
        InlineKeyboardButton("Huỷ", callback_data="del:cancel")]])
    await message.reply_text(render("telegram_replies", key="remove_confirm", doc=document), reply_markup=keyboard)


async def on_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    query = update.callback_query
    if not svc.is_admin(update):
        await query.answer("Chỉ quản trị viên mới xoá được văn bản.", show_alert=True)
        return
    await query.answer()
    parts = query.data.split(":")
    if parts[1] == "cancel":
        await query.edit_message_text(render("telegram_replies", key="remove_cancelled"))
        return
    document = svc.congvan.document(int(parts[1]))
    if document is None or document["sha256"][:12] != parts[2]:
        await query.edit_message_text(render("telegram_replies", key="no_document", ref=f"#{parts[1]}"))
        return
    async with svc.ingest_lock:
        removed = await asyncio.to_thread(svc.congvan.remove, document["id"])
    await query.edit_message_text(render("telegram_replies", key="removed", doc=removed))


# -- broadcasts -------------------------------------------------------------------------------

async def daily_broadcast(context: ContextTypes.DEFAULT_TYPE) -> None:
    """07:00: on the 1st the month's tasks, every day the reminders due; then send what is owed."""
    svc = services(context)
    today = svc.today()
    if today.day == 1:
        svc.broadcaster.plan_digests(today)
    svc.broadcaster.plan_reminders(today)
    await _deliver(context)


async def deliver_owed(context: ContextTypes.DEFAULT_TYPE) -> None:
    """What an earlier run could not send (Telegram unreachable, the bot stopping) goes out now."""
    await _deliver(context)


async def _deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await svc.broadcaster.deliver(context.bot, svc.today(), keep_going=lambda: context.application.running)


async def catch_up(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    if svc.clock.now().time() >= svc.settings.broadcast_time:
        await daily_broadcast(context)


# -- helpers ----------------------------------------------------------------------------------

async def _reply_long(update: Update, html: str) -> None:
    for i, part in enumerate(split_message(html)):
        await update.effective_message.reply_text(part, do_quote=None if i == 0 else False)


def _unit_key(name: str) -> str:
    # Callback data is limited to 64 bytes; a unit's name in Vietnamese can exceed it.
    return hashlib.sha1(name.encode()).hexdigest()[:12]


def _unit_keyboard(units: list[dict], allow_none: bool = False) -> InlineKeyboardMarkup | None:
    if not units:
        return None
    rows = [[InlineKeyboardButton(u["name"], callback_data=f"unit:{_unit_key(u['name'])}")]
            for u in units[:MAX_UNIT_BUTTONS]]
    if allow_none:
        rows.append([InlineKeyboardButton("Tất cả văn bản (không chọn đơn vị)", callback_data="unit:*")])
    return InlineKeyboardMarkup(rows)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    logger.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        try:
            await update.effective_message.reply_text(render("telegram_replies", key="error"))
        except TelegramError:
            pass  # the chat may be gone; the log has the original error
