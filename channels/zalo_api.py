"""Zalo Official Account API client: send messages, keep the access token fresh.

Zalo's access token lives about 25 hours; each refresh token can be used once. A refresh therefore writes the
new pair to disk atomically (temporary file, fsync, rename) before using it, and two refreshes never run at
the same time, not even in two Rasa servers sharing the token file: a lock file beside it (fcntl) is held
around the refresh, and the pair is read again once it is held. Zalo reports errors inside HTTP 200 bodies
(``{"error": -216, "message": …}``): token errors refresh and retry once, rate-limit and server errors are
retried with backoff, the rest are logged.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.text.redaction import redact
from channels.platform import BACKOFF_S, DeliveryFailed

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"
# Access token invalid (-216) or expired (-124). Only these spend the single-use refresh token: -201 means a
# field of the message is invalid, which a new token would not change.
TOKEN_ERRORS = frozenset({-216, -124})
RETRYABLE_ERRORS = frozenset({-32, -50, -500, -501})  # rate limit, temporary server errors
REFRESH_MARGIN_S = 300  # refresh this long before the access token expires
LOCK_WAIT_S = 10.0  # another process's refresh takes one HTTP call; waiting longer means it is stuck
LOCK_POLL_S = 0.05


class RefreshUnavailable(DeliveryFailed):
    """Zalo's token endpoint gave no usable answer (network, HTTP 5xx, not JSON): worth trying again."""


@dataclass
class ZaloTokens:
    """The OA's current access token, its single-use refresh token and when the access token expires."""

    access_token: str
    refresh_token: str
    expires_at: float = 0.0


class TokenFile:
    """Where the current token pair is kept (mode 600), replaced atomically."""

    def __init__(self, path: Path) -> None:
        """Remember the file's path."""
        self.path = path

    def load(self) -> ZaloTokens | None:
        """The stored pair, or None when nothing is stored yet."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return ZaloTokens(
                str(data["access_token"]), str(data["refresh_token"]), float(data["expires_at"])
            )
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as error:
            raise DeliveryFailed(f"token file {self.path} is unreadable: {type(error).__name__}") from error

    def save(self, tokens: ZaloTokens) -> None:
        """Write the pair so that a crash leaves either the old or the new one, never half of either."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(asdict(tokens), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)  # the old pair stays in place, whole
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)


class ZaloApi:
    """Calls to the OA message API and the OAuth token endpoint."""

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        token_file: TokenFile,
        seed: ZaloTokens | None = None,
        api_base: str = DEFAULT_API_BASE,
        oauth_base: str = DEFAULT_OAUTH_BASE,
        timeout_s: float = 4.0,
    ) -> None:
        """Configure; tokens come from ``token_file``, else from ``seed`` (credentials.yml, first start)."""
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_file = token_file
        self.seed = seed
        self.api_base = api_base.rstrip("/")
        self.oauth_base = oauth_base.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._refreshing = asyncio.Lock()

    def _tokens(self) -> ZaloTokens:
        tokens = self.token_file.load()
        if tokens is None:
            if self.seed is None or not self.seed.refresh_token:
                raise DeliveryFailed("no Zalo tokens: set access_token and refresh_token in credentials.yml")
            tokens = self.seed
            self.token_file.save(tokens)
        return tokens

    @property
    def lock_path(self) -> Path:
        """The lock file beside the token file, held by whichever process is refreshing."""
        return self.token_file.path.with_name(f"{self.token_file.path.name}.lock")

    async def refresh(self, stale_access_token: str) -> ZaloTokens:
        """Exchange the refresh token for a new pair, unless another task or process already did."""
        async with self._refreshing:
            # Shielded: once the refresh token is sent, the new pair must be saved even if the caller gives
            # up (a staff message's deadline), or the OA is left with a spent token.
            return await asyncio.shield(self._refresh_locked(stale_access_token))

    async def _refresh_locked(self, stale_access_token: str) -> ZaloTokens:
        self.token_file.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await _lock(descriptor)
            current = self._tokens()  # read again under the lock
            if current.access_token != stale_access_token:
                return current  # refreshed meanwhile (here or elsewhere): the old refresh token is spent
            fresh = await self._exchange(current.refresh_token)
            self.token_file.save(fresh)
            logger.info("zalo: access token refreshed")
            return fresh
        finally:
            os.close(descriptor)  # releases the lock

    async def _exchange(self, refresh_token: str) -> ZaloTokens:
        form = {"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"}
        url = f"{self.oauth_base}/v4/oa/access_token"
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(url, data=form, headers={"secret_key": self.app_secret}) as answer:
                    if answer.status >= 500:
                        raise RefreshUnavailable(f"Zalo token endpoint answered HTTP {answer.status}")
                    body = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RefreshUnavailable(f"Zalo token endpoint unreachable ({type(error).__name__})") from error
        if not isinstance(body, dict):
            raise RefreshUnavailable("Zalo token endpoint answered something other than a JSON object")
        if not body.get("access_token") or not body.get("refresh_token"):
            raise DeliveryFailed(f"Zalo token refresh refused (error {body.get('error')})")
        try:
            lifetime = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0  # the tokens are good; refreshed early rather than lost
        return ZaloTokens(str(body["access_token"]), str(body["refresh_token"]), time.time() + lifetime)

    async def _refresh_retrying(self, stale_access_token: str) -> ZaloTokens:
        # Only when Zalo gave no usable answer: a refusal means the refresh token is spent or wrong.
        for wait_s in BACKOFF_S:
            try:
                return await self.refresh(stale_access_token)
            except RefreshUnavailable as error:
                logger.warning("zalo: token refresh failed (%s), retrying", error)
                await asyncio.sleep(wait_s)
        return await self.refresh(stale_access_token)

    async def send(self, user_id: str, message: dict[str, Any]) -> None:
        """Send one consultation message (``/v3.0/oa/message/cs``) to a user who wrote to the OA."""
        tokens = self._tokens()
        if tokens.expires_at and tokens.expires_at - time.time() < REFRESH_MARGIN_S:
            try:
                tokens = await self._refresh_retrying(tokens.access_token)
            except DeliveryFailed as error:
                if tokens.expires_at <= time.time():
                    raise
                logger.warning("zalo: early token refresh failed (%s); the current token still works", error)
        payload = {"recipient": {"user_id": user_id}, "message": message}
        refreshed = False
        for attempt in range(len(BACKOFF_S) + 1):
            code, reason = await self._post_message(tokens.access_token, payload)
            if code == 0:
                return
            if code in TOKEN_ERRORS and not refreshed:
                tokens, refreshed = await self._refresh_retrying(tokens.access_token), True
                continue
            if code in RETRYABLE_ERRORS and attempt < len(BACKOFF_S):
                await asyncio.sleep(BACKOFF_S[attempt])
                continue
            raise DeliveryFailed(f"Zalo refused the message: error {code} ({redact(reason)[:200]})")
        raise DeliveryFailed("Zalo did not take the message after retries")

    async def _post_message(self, access_token: str, payload: dict[str, Any]) -> tuple[int, str]:
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                url = f"{self.api_base}/v3.0/oa/message/cs"
                async with session.post(url, json=payload, headers={"access_token": access_token}) as answer:
                    if answer.status >= 500:
                        return -500, f"HTTP {answer.status}"
                    body = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return -500, type(error).__name__
        if not isinstance(body, dict):
            return -500, "answer is not a JSON object"
        return int(body.get("error") or 0), str(body.get("message") or "")


async def _lock(descriptor: int) -> None:
    """Take the exclusive lock on ``descriptor`` without blocking the event loop (and cancellable)."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise RefreshUnavailable("the Zalo token file stays locked by another process") from None
            await asyncio.sleep(LOCK_POLL_S)
