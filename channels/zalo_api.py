"""Zalo Official Account API client: send messages, keep the access token fresh.

Zalo's access token lives about 25 hours; each refresh token can be used once. A refresh therefore writes the
new pair to disk atomically (temporary file, fsync, rename) before using it, and two refreshes never run at
the same time. Zalo reports errors inside HTTP 200 bodies (``{"error": -216, "message": …}``): token errors
refresh and retry once, rate-limit and server errors are retried with backoff, the rest are logged.
"""

from __future__ import annotations

import asyncio
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
TOKEN_ERRORS = frozenset({-216, -124, -201})  # invalid or expired access token
RETRYABLE_ERRORS = frozenset({-32, -50, -500, -501})  # rate limit, temporary server errors
REFRESH_MARGIN_S = 300  # refresh this long before the access token expires


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
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(asdict(tokens), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
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
        timeout_s: float = 10.0,
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

    async def refresh(self, stale_access_token: str) -> ZaloTokens:
        """Exchange the refresh token for a new pair, unless another task already did."""
        async with self._refreshing:
            current = self._tokens()
            if current.access_token != stale_access_token:
                return current  # refreshed meanwhile: the old refresh token is spent
            form = {
                "refresh_token": current.refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"
            }  # fmt: skip
            url = f"{self.oauth_base}/v4/oa/access_token"
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(url, data=form, headers={"secret_key": self.app_secret}) as answer:
                    body = await answer.json(content_type=None)
            if not isinstance(body, dict) or not body.get("access_token") or not body.get("refresh_token"):
                error = body.get("error") if isinstance(body, dict) else None
                raise DeliveryFailed(f"Zalo token refresh refused (error {error})")
            fresh = ZaloTokens(
                str(body["access_token"]),
                str(body["refresh_token"]),
                time.time() + float(body.get("expires_in") or 3600),
            )
            self.token_file.save(fresh)
            logger.info("zalo: access token refreshed")
            return fresh

    async def send(self, user_id: str, message: dict[str, Any]) -> None:
        """Send one consultation message (``/v3.0/oa/message/cs``) to a user who wrote to the OA."""
        tokens = self._tokens()
        if tokens.expires_at and tokens.expires_at - time.time() < REFRESH_MARGIN_S:
            tokens = await self.refresh(tokens.access_token)
        payload = {"recipient": {"user_id": user_id}, "message": message}
        refreshed = False
        for attempt in range(len(BACKOFF_S) + 1):
            code, reason = await self._post_message(tokens.access_token, payload)
            if code == 0:
                return
            if code in TOKEN_ERRORS and not refreshed:
                tokens, refreshed = await self.refresh(tokens.access_token), True
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
