"""Staff accounts: argon2 password hashes, two roles, and the lock-out after repeated failed logins.

Roles: ``editor`` (reads and changes) and ``viewer`` (reads only). Failed logins are counted per
username whether or not the account exists, so the answers never tell an attacker which usernames are real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.console.db import ConsoleDatabase, utcnow
from bot.errors import CitizenBotError, StoreConflict

ROLES = ("editor", "viewer")
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong username costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("không-có-tài-khoản-này")


class AccountError(CitizenBotError):
    """A staff account could not be created (bad username, role or password, or it already exists)."""


@dataclass(frozen=True)
class StaffUser:
    """A console account, without its password hash."""

    username: str
    display_name: str
    role: str

    @property
    def can_edit(self) -> bool:
        """Editors may change things; viewers only read."""
        return self.role == "editor"


class LoginResult(Enum):
    """What a login attempt gave; the login page shows the same text for WRONG whatever the cause."""

    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive and trimmed."""
    return username.strip().lower()


class StaffAccounts:
    """Creating accounts and checking passwords."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database

    def add(self, username: str, password: str, role: str, display_name: str | None = None) -> StaffUser:
        """Create an account; raises AccountError when the input is not acceptable or the user exists."""
        username = normalise_username(username)
        if not USERNAME.fullmatch(username):
            raise AccountError("tên đăng nhập: 2–40 ký tự a-z, 0-9, dấu chấm, gạch dưới hoặc gạch ngang")
        if role not in ROLES:
            raise AccountError("vai trò phải là editor hoặc viewer")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự")
        name = " ".join((display_name or username).split())[:80] or username
        try:
            with self.database.connect() as db:
                if db.execute("SELECT 1 FROM console_users WHERE username = ?", (username,)).fetchone():
                    raise AccountError(f"đã có tài khoản {username}")
                db.execute(
                    "INSERT INTO console_users (username, display_name, role, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (username, name, role, _hasher.hash(password), utcnow().isoformat()),
                )
        except StoreConflict as error:  # another process created it between the check and the insert
            raise AccountError(f"đã có tài khoản {username}") from error
        return StaffUser(username, name, role)

    def get(self, username: str) -> StaffUser | None:
        """An active account by username."""
        with self.database.connect() as db:
            row = db.execute(
                "SELECT username, display_name, role FROM console_users WHERE username = ? AND active = 1",
                (normalise_username(username),),
            ).fetchone()
        return StaffUser(*row) if row else None

    def unlock(self, username: str) -> bool:
        """Forget the failed logins that lock the username out; whether it was locked."""
        locked = self.is_locked(username)
        with self.database.connect() as db:
            db.execute(
                "DELETE FROM console_login_failures WHERE username = ?", (normalise_username(username),)
            )
        return locked

    def disable(self, username: str) -> bool:
        """Stop an account from logging in (its open sessions are refused too); whether it existed."""
        with self.database.connect() as db:
            cursor = db.execute(
                "UPDATE console_users SET active = 0 WHERE username = ?", (normalise_username(username),)
            )
        return bool(cursor.rowcount)

    def set_password(self, username: str, password: str) -> bool:
        """Replace the password and lift a lock-out; whether the account exists (AccountError: too short)."""
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự")
        name = normalise_username(username)
        with self.database.connect() as db:
            cursor = db.execute(
                "UPDATE console_users SET password_hash = ? WHERE username = ?",
                (_hasher.hash(password), name),
            )
            db.execute("DELETE FROM console_login_failures WHERE username = ?", (name,))
        return bool(cursor.rowcount)

    def usernames(self) -> list[StaffUser]:
        """Every active account, by username (the choices for a ticket's assignee)."""
        with self.database.connect() as db:
            rows = db.execute(
                "SELECT username, display_name, role FROM console_users WHERE active = 1 ORDER BY username"
            ).fetchall()
        return [StaffUser(*row) for row in rows]

    def is_locked(self, username: str) -> bool:
        """True while the username has had MAX_FAILURES failed logins within the last LOCKOUT."""
        since = (utcnow() - LOCKOUT).isoformat()
        with self.database.connect() as db:
            count = db.execute(
                "SELECT COUNT(*) FROM console_login_failures WHERE username = ? AND at > ?",
                (normalise_username(username), since),
            ).fetchone()[0]
        return int(count) >= MAX_FAILURES

    def authenticate(self, username: str, password: str) -> tuple[LoginResult, StaffUser | None]:
        """Check a login; a locked username is refused even with the right password."""
        username = normalise_username(username)[:80]
        if self.is_locked(username):
            return LoginResult.LOCKED, None
        with self.database.connect() as db:
            row = db.execute(
                "SELECT username, display_name, role, password_hash FROM console_users"
                " WHERE username = ? AND active = 1",
                (username,),
            ).fetchone()
        try:
            _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
            verified = row is not None
        except (VerificationError, InvalidHashError):
            verified = False
        if not verified:
            self._record_failure(username)
            return (LoginResult.LOCKED if self.is_locked(username) else LoginResult.WRONG), None
        with self.database.connect() as db:
            db.execute("DELETE FROM console_login_failures WHERE username = ?", (username,))
        return LoginResult.OK, StaffUser(row["username"], row["display_name"], row["role"])

    def _record_failure(self, username: str) -> None:
        now = utcnow()
        with self.database.connect() as db:
            db.execute(
                "INSERT INTO console_login_failures (username, at) VALUES (?, ?)", (username, now.isoformat())
            )
            # Old failures no longer count; dropping them keeps the table small under a guessing attack.
            db.execute("DELETE FROM console_login_failures WHERE at < ?", ((now - LOCKOUT * 4).isoformat(),))
