"""The Zalo OA's token pair, kept durably in the home (zalo_oa_tokens.json).

Zalo's refresh answers with a new access token AND a new refresh token; the old refresh token is
spent. So:
- before the refresh call the store already holds, complete, the current pair and when its access
  token expires, plus a marker "refresh started with refresh token R". Refreshing starts hours
  before expiry, so the old access token keeps working while anything goes wrong;
- the answer is written before the new access token is used: to a temporary file, fsynced, then
  renamed over the old one (a crash leaves the old file or the new one, never half of one);
- a process that finds the marker on start (the last one died during a refresh) refreshes with R
  at once: if the request never reached Zalo, R still works. If Zalo spent R and its answer was
  lost, nothing can bring the pair back: the bot keeps using the old access token until it
  expires and tells the admins, in Vietnamese, to put a new refresh token in the settings; a
  refresh token in the settings that the store has not seen before is taken over on the next start.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

FILE_NAME = "zalo_oa_tokens.json"
# Refresh this long before the access token (~25 h) expires: a refresh that goes wrong leaves
# the admins most of a day to give a new refresh token while the bot keeps answering.
REFRESH_MARGIN_SECONDS = 12 * 3600
TOKEN_ERRORS = {-216, -220}  # access token invalid / expired: refresh, then resend once


class ZaloTokenError(RuntimeError):
    """The pair cannot be renewed; the message says, in Vietnamese, what the admin must do."""


@dataclass
class TokenState:
    access_token: str
    refresh_token: str
    expires_at: float | None  # epoch seconds; None: unknown (a token pasted into the settings)
    seed: str  # hash of the settings' refresh token this state grew from
    refreshing_with: str = ""  # set just before a refresh call, cleared with its answer
    problem: str = ""  # why the last refresh failed, for the admins


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class TokenStore:
    """The file itself: read whole, replaced whole."""

    def __init__(self, home: Path, access_token: str, refresh_token: str):
        self.path = Path(home) / FILE_NAME
        self.state = self._load(access_token, refresh_token)

    def _load(self, access_token: str, refresh_token: str) -> TokenState:
        seed = _digest(refresh_token)
        if self.path.exists():
            state = TokenState(**json.loads(self.path.read_text(encoding="utf-8")))
            if not refresh_token or state.seed == seed:
                return state
            logger.info("Zalo OA: a new refresh token in the settings replaces the stored pair")
        state = TokenState(access_token=access_token, refresh_token=refresh_token, expires_at=None, seed=seed)
        self.save(state)
        return state

    def save(self, state: TokenState) -> None:
        data = json.dumps(asdict(state), ensure_ascii=False).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".zalo_oa_tokens-", dir=self.path.parent)
        try:
            os.fchmod(handle, 0o600)  # the tokens speak for the OA
            os.write(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
        try:
            os.replace(temporary, self.path)
        except BaseException:
            os.unlink(temporary)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)
        self.state = state


class ZaloOaTokens:
    """Hands out a valid access token, refreshing through Zalo's OAuth server when needed."""

    def __init__(self, store: TokenStore, http: httpx.AsyncClient, oauth_url: str, app_id: str, app_secret: str,
                 now: Callable[[], float] = time.time):
        self.store = store
        self.http = http
        self.url = oauth_url.rstrip("/") + "/v4/oa/access_token"
        self.app_id = app_id
        self.app_secret = app_secret
        self.now = now
        self._lock = asyncio.Lock()

    @property
    def interrupted(self) -> bool:
        """The last process stopped during a refresh."""
        return bool(self.store.state.refreshing_with)

    async def access_token(self) -> str:
        state = self.store.state
        due = state.expires_at is not None and state.expires_at - self.now() < REFRESH_MARGIN_SECONDS
        if (due or not state.access_token or state.refreshing_with) and not state.problem:
            try:
                await self.refresh(state.access_token)
            except ZaloTokenError as error:
                logger.error("%s", error)
        return self.store.state.access_token

    async def refresh(self, refused: str) -> str:
        """A new pair, unless another task already replaced the `refused` access token."""
        async with self._lock:
            state = self.store.state
            if state.access_token != refused and state.access_token and not state.refreshing_with:
                return state.access_token
            spent = state.refreshing_with or state.refresh_token
            self.store.save(TokenState(**{**asdict(state), "refreshing_with": spent}))
            try:
                response = await self.http.post(self.url, headers={"secret_key": self.app_secret}, data={
                    "refresh_token": spent, "app_id": self.app_id, "grant_type": "refresh_token"})
                answer = response.json()
            except (httpx.HTTPError, ValueError) as error:
                # Maybe Zalo never saw it: the marker stays, the next call tries the same token.
                raise ZaloTokenError(f"Không gọi được máy chủ cấp mã Zalo: {error}") from error
            if not answer.get("access_token") or not answer.get("refresh_token"):
                problem = ("Zalo không làm mới được mã truy cập của OA "
                           f"({answer.get('error')}: {answer.get('error_description') or answer.get('message')}). "
                           "Vào developers.zalo.me, cấp lại mã cho OA và đặt refresh token mới vào "
                           "CONGVAN_ZALO_OA_REFRESH_TOKEN (tệp .env), rồi khởi động lại bot.")
                self.store.save(TokenState(**{**asdict(self.store.state), "refreshing_with": "", "problem": problem}))
                raise ZaloTokenError(problem)
            expires_in = float(answer.get("expires_in") or 90000)  # Zalo sends it as a string
            self.store.save(TokenState(access_token=answer["access_token"], refresh_token=answer["refresh_token"],
                                       expires_at=self.now() + expires_in, seed=state.seed))
            logger.info("Zalo OA: access token refreshed, valid for %.0f hours", expires_in / 3600)
            return answer["access_token"]
