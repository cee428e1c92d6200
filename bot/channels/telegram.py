"""The Telegram bot: a python-telegram-bot Application, a thin adapter over the chat service.

Handlers turn an update into a call of bot.chat.service.ChatService (keyed by ("telegram", chat
id)) and send the replies it returns as HTML (bot/channels/telegram_send.py): choices become
inline buttons whose callback data is the choice id. Broadcasts follow bot/chat/schedule.py and
go out through `TelegramSender`.
"""
from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from telegram import BotCommand, ChatMember, Message as TelegramMessage, MessageEntity, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.chat.commands import COMMANDS, match
from bot.chat.replies import FileReply, Message, Reply, notice
from bot.chat.schedule import RETRY_MINUTES, Schedule
from bot.chat.service import UPCOMING_DAYS, ChatService
from bot.chat.store import ChatKey
from bot.core.api import Congvan
from bot.core.clock import Clock
from bot.core.config import Settings

from .telegram_send import CHANNEL, TelegramSender, messages, render

logger = logging.getLogger(__name__)

DOWNLOAD_LIMIT_MB = 20  # the Bot API lets a bot download files up to 20 MB
QUICK_SECONDS = 2.0  # a choice answered within this long shows its acknowledgement on the button
# Updates handled at once. Answers are computed in asyncio's worker threads (a few per core), so
# more only queue there; this bounds the updates held in memory while they wait.
CONCURRENT_UPDATES = 64


def service(context: ContextTypes.DEFAULT_TYPE) -> ChatService:
    return context.application.bot_data["service"]


def schedule(context: ContextTypes.DEFAULT_TYPE) -> Schedule:
    return context.application.bot_data["schedule"]


def key_of(chat) -> ChatKey:
    return ChatKey(CHANNEL, str(chat.id))


def user_of(update: Update) -> str | None:
    return str(update.effective_user.id) if update.effective_user else None


def build_application(settings: Settings, congvan: Congvan | None = None,
                      now: Callable[[], datetime] | None = None) -> Application:
    """The bot, ready for run_polling()/run_webhook() or a test's manual start. `now` is where its
    clock takes the time from instead of the system (tests); jobs still fire on real time."""
    congvan = congvan or Congvan()
    builder = (ApplicationBuilder().token(settings.telegram_token)
               .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone,
                                  allow_sending_without_reply=True))
               # Retries a 429 after its retry_after and paces bursts under Telegram's limits.
               .rate_limiter(AIORateLimiter(max_retries=3))
               .concurrent_updates(ChatByChat(CONCURRENT_UPDATES))
               .post_init(_post_init))
    if settings.telegram_api_url:
        builder = builder.base_url(settings.telegram_api_url).base_file_url(
            settings.telegram_file_url or settings.telegram_api_url.replace("/bot", "/file/bot", 1))
    application = builder.build()
    chat_service = ChatService.from_settings(congvan, settings, Clock(settings.timezone, now))
    application.bot_data["service"] = chat_service
    application.bot_data["schedule"] = Schedule(chat_service.outbox, chat_service.clock, settings.broadcast_time)

    application.add_handler(TypeHandler(Update, track_chat), group=-1)
    application.add_handler(CommandHandler(list(COMMANDS["start"][0]), start))
    application.add_handler(CommandHandler([form for name, (slashes, _) in COMMANDS.items() if name != "start"
                                            for form in slashes], command))
    # block=False: an upload is parsed and embedded for a while; questions keep being answered.
    # Private chats only: files shared in a group are the group's business, not uploads.
    application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, upload, block=False))
    application.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, question))
    application.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS & filters.Entity(MessageEntity.MENTION),
        group_mention))
    application.add_handler(CallbackQueryHandler(on_choice))
    application.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(on_error)

    application.job_queue.run_daily(daily_broadcast, time=settings.broadcast_at, name="daily_broadcast")
    # Down at the broadcast time and back later the same day: today's broadcast still goes out
    # (the log keeps it from going out twice).
    application.job_queue.run_once(catch_up, when=0, name="catch_up")
    application.job_queue.run_repeating(deliver_owed, interval=RETRY_MINUTES * 60, first=RETRY_MINUTES * 60,
                                        name="deliver_owed")
    return application


class ChatByChat(BaseUpdateProcessor):
    """Updates of different chats are handled at the same time, each chat's in the order they
    came. By default python-telegram-bot handles one update at a time, so at 07:00 on the 1st
    every chat waited for the answers of the chats that wrote before it; one chat's own
    messages still need their order (a unit chosen before the question that depends on it).

    What the handlers share is safe to share: ChatService answers in worker threads, each with
    its own snapshot of the index on its thread's own SQLite connection (index/store.py), and
    the chat store writes under one lock (bot/chat/store.py)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}  # chat id → its turn, updates holding it

    async def do_process_update(self, update: object, coroutine) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock, holders = self._chats.get(chat.id, (asyncio.Lock(), 0))
        self._chats[chat.id] = (lock, holders + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, holders = self._chats[chat.id]
            if holders == 1:
                del self._chats[chat.id]  # no update of this chat waiting: nothing to keep
            else:
                self._chats[chat.id] = (lock, holders - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


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
    asyncio.get_running_loop().run_in_executor(None, application.bot_data["service"].congvan.warm_up)


# -- sending replies ------------------------------------------------------------------------------

async def send(message: TelegramMessage, replies: list[Reply], quote: bool | None = None,
               menu: TelegramMessage | None = None) -> None:
    """Send replies in answer to `message`. A reply that settles a menu replaces the text of the
    message with the buttons (`menu`) instead."""
    for reply in replies:
        if isinstance(reply, FileReply):
            await message.get_bot().send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
            await message.reply_document(reply.path, filename=reply.filename, do_quote=True,
                                         caption=render(reply.caption))
            continue
        parts = messages(reply)
        if reply.settles and menu is not None and len(parts) == 1:
            await menu.edit_text(parts[0][0], reply_markup=parts[0][1])
            continue
        for i, (text, markup) in enumerate(parts):
            await message.reply_text(text, reply_markup=markup, do_quote=quote if i == 0 else False)


# -- everyone ---------------------------------------------------------------------------------

async def track_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        title = chat.title or " ".join(filter(None, [chat.first_name, chat.last_name])) or chat.username or ""
        service(context).seen(key_of(chat), chat.type, title)


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram says when a user blocks the bot or a group removes it: stop broadcasting to them."""
    if update.my_chat_member.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        service(context).left(key_of(update.effective_chat), "bot blocked or removed")


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    replies = service(context).start(key_of(chat), user_of(update), group=chat.type != "private",
                                     bot_name=context.bot.username)
    await send(update.effective_message, replies)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/donvi, /thang, /han, /dangky, /huy, /hoi, /vanban, /xoa: read as every channel reads them."""
    message = update.effective_message
    run = match(message.text)
    if run.name == "ask":
        await _answer(update, context, run.arg)
        return
    await send(message, service(context).run(key_of(update.effective_chat), run, user_of(update)))


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _answer(update, context, update.effective_message.text)


async def group_mention(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    mention = f"@{context.bot.username}".lower()
    mentioned = [text for text in message.parse_entities([MessageEntity.MENTION]).values()
                 if text.lower() == mention]
    if mentioned:  # a message mentioning only someone else is not for the bot
        await _answer(update, context, re.sub(re.escape(mention), " ", message.text, flags=re.IGNORECASE))


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    if text.strip():
        await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    # In a worker thread: under load an answer can take long enough to stall the polling loop.
    replies = await asyncio.to_thread(service(context).ask, key_of(update.effective_chat), text, user_of(update))
    await send(update.effective_message, replies)


async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button: its callback data is the choice id the service offered."""
    query = update.callback_query
    work = asyncio.ensure_future(asyncio.to_thread(
        service(context).choose, key_of(query.message.chat), query.data, str(query.from_user.id)))
    # A quick choice shows its acknowledgement on the button (a toast, or an alert for a
    # refusal); a long one (replacing a document) answers the button at once and replies later.
    done, _ = await asyncio.wait([work], timeout=QUICK_SECONDS)
    replies = work.result() if done else []
    brief = next((r for r in replies if isinstance(r, Message) and (r.brief or r.alert)), None)
    await query.answer(render(brief) if brief else None, show_alert=bool(brief and brief.alert))
    if not done:
        replies = await work
    await send(query.message, [r for r in replies if r is not brief], quote=True, menu=query.message)


# -- admins -----------------------------------------------------------------------------------

async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = service(context)
    message, key, user = update.effective_message, key_of(update.effective_chat), user_of(update)
    document = message.document
    name = Path(document.file_name or f"{document.file_unique_id}").name
    accepted, replies = svc.accept_upload(key, user, name, document.file_size, limit_mb=DOWNLOAD_LIMIT_MB)
    await send(message, replies)
    if not accepted:
        return
    with tempfile.TemporaryDirectory(prefix="congvan-upload-") as folder:
        path = Path(folder) / name  # the sender's file name: one sign of a new version of a loaded one
        try:
            await (await document.get_file()).download_to_drive(path)
        except TelegramError as error:
            await send(message, [notice("download_failed", name=name, reason=str(error))])
            return
        replies = await asyncio.to_thread(svc.ingest_upload, key, user, path)
    await send(message, replies)
    await _deliver(context)  # the notice of a new directive to its subscribers


# -- broadcasts -------------------------------------------------------------------------------

async def daily_broadcast(context: ContextTypes.DEFAULT_TYPE) -> None:
    """At the broadcast time: on the 1st the month's tasks, every day the reminders due; then
    send what is owed."""
    await schedule(context).run_day(TelegramSender(context.bot), keep_going=lambda: context.application.running)


async def deliver_owed(context: ContextTypes.DEFAULT_TYPE) -> None:
    """What an earlier run could not send (Telegram unreachable, the bot stopping) goes out now."""
    await _deliver(context)


async def _deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    await schedule(context).deliver_owed(TelegramSender(context.bot), keep_going=lambda: context.application.running)


async def catch_up(context: ContextTypes.DEFAULT_TYPE) -> None:
    if schedule(context).missed_today():
        await daily_broadcast(context)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    logger.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        try:
            await send(update.effective_message, [notice("error")])
        except TelegramError:
            pass  # the chat may be gone; the log has the original error
