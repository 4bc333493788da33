"""Dossier status look-up behind one interface: the embedded store, or a province's one-stop system over HTTP.

The applicant proves ownership with the last 4 digits of the phone number on the dossier; a wrong code and
wrong digits get the same answer, and repeated failures are rate-limited.
"""

from __future__ import annotations

import csv
import enum
import hmac
import logging
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from bot.errors import CitizenBotError, ConfigurationError, StoreUnavailable
from bot.services.records import PROJECT_ROOT, CitizenRecords
from bot.store_database import StoreDatabase, open_database

logger = logging.getLogger(__name__)
DEMO_DOSSIERS = PROJECT_ROOT / "knowledge_base" / "demo_dossiers.csv"
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_CONVERSATION = 5
MAX_FAILURES_PER_DOSSIER = 5


class ProviderUnavailable(CitizenBotError):
    """The one-stop system could not be asked (down, timeout, unreadable answer)."""


@dataclass(frozen=True)
class DossierRecord:
    """What the one-stop system knows about a dossier; ``phone_last4`` is only for the ownership check."""

    code: str
    procedure_name: str
    status: str
    received_on: date | None
    due_on: date | None
    current_agency: str
    phone_last4: str


class StatusProvider(Protocol):
    """Finds a dossier by its code; None when there is no such dossier."""

    def find(self, code: str) -> DossierRecord | None:
        """The dossier, None if unknown; raises ProviderUnavailable when the system cannot answer."""
        ...


def _last4(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else ""


def _parse_date(value: Any, date_format: str = "%Y-%m-%d") -> date | None:
    """A date in the configured format, ISO (a timestamp's date part) or dd/mm/yyyy; None when unreadable."""
    text = str(value or "").strip()
    for candidate, fmt in ((text, date_format), (text[:10], "%Y-%m-%d"), (text, "%d/%m/%Y")):
        try:
            return datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    return None


class SQLiteStatusProvider:
    """The embedded default: a ``dossiers`` table in the records store's database, loaded from CSV exports.

    The database is the SQLite file, or PostgreSQL when $CITIZENBOT_DATABASE_URL names one. The demo set
    (knowledge_base/demo_dossiers.csv) is added only when asked (``demo``), and never beside real dossiers:
    a real import removes it first.
    """

    COLUMNS = ("code", "procedure_name", "status", "received_on", "due_on", "current_agency", "phone_last4")

    def __init__(
        self,
        path: Path | None = None,
        demo: bool = False,
        seed: Path | None = DEMO_DOSSIERS,
        database: StoreDatabase | None = None,
    ) -> None:
        self.database = database or open_database(path)
        self.path = getattr(self.database, "path", path)
        with self.database.transaction() as db:
            db.executescript(
                "CREATE TABLE IF NOT EXISTS dossiers (code TEXT PRIMARY KEY, procedure_name TEXT NOT NULL,"
                " status TEXT NOT NULL, received_on TEXT, due_on TEXT, current_agency TEXT NOT NULL,"
                " phone_last4 TEXT NOT NULL, demo INTEGER NOT NULL DEFAULT 0);"
            )
            columns = {column[0] for column in db.execute("SELECT * FROM dossiers LIMIT 0").description}
            if "demo" not in columns:
                # A store from before demo rows were marked: its demo set was seeded automatically, so the
                # demo codes found in it are demo rows, not a real import.
                db.execute("ALTER TABLE dossiers ADD COLUMN demo INTEGER NOT NULL DEFAULT 0")
                codes = [row[0] for row in _read_export(DEMO_DOSSIERS)] if DEMO_DOSSIERS.exists() else []
                db.executemany("UPDATE dossiers SET demo = 1 WHERE code = ?", [(code,) for code in codes])
        if demo and seed is not None:
            self.seed_demo(seed)

    def seed_demo(self, seed: Path = DEMO_DOSSIERS) -> int:
        """Add the demo set unless real dossiers are loaded (then say so in the log); how many were added."""
        rows = _read_export(seed)
        with self.database.transaction(exclusive=True) as db:
            real = int(db.execute("SELECT COUNT(*) FROM dossiers WHERE demo = 0").fetchone()[0])
            if real:
                logger.warning("demo dossiers not added: %d real dossiers are loaded in %s", real, self.where)
                return 0
            db.executemany(f"{_INSERT} ON CONFLICT (code) DO NOTHING", [(*row, 1) for row in rows])
        logger.info("demo dossiers available (%d, from %s)", len(rows), seed.name)
        return len(rows)

    @property
    def where(self) -> str:
        """The database, for messages."""
        return self.database.description

    def load_csv(self, path: Path) -> int:
        """Insert or replace dossiers from a CSV export; a full ``phone`` column is cut to its last 4 digits.

        The demo set goes first: a real import never sits beside it. Raises ConfigurationError naming the
        first bad row; nothing is written then.
        """
        rows = _read_export(path)
        updates = ", ".join(f"{column} = excluded.{column}" for column in (*self.COLUMNS[1:], "demo"))
        with self.database.transaction(exclusive=True) as db:
            removed = db.execute("DELETE FROM dossiers WHERE demo = 1").rowcount
            db.executemany(f"{_INSERT} ON CONFLICT (code) DO UPDATE SET {updates}", [(*r, 0) for r in rows])
        if removed > 0:
            logger.info("removed %d demo dossiers before loading %s", removed, path.name)
        return len(rows)

    def find(self, code: str) -> DossierRecord | None:
        """The dossier with this code (case-insensitive), or None."""
        with self.database.transaction() as db:
            row = db.execute(
                f"SELECT {', '.join(self.COLUMNS)} FROM dossiers WHERE code = ?", (code.strip().upper(),)
            ).fetchone()
        if row is None:
            return None
        return DossierRecord(row[0], row[1], row[2], _parse_date(row[3]), _parse_date(row[4]), row[5], row[6])


_INSERT = (
    "INSERT INTO dossiers (code, procedure_name, status, received_on, due_on, current_agency, phone_last4,"
    " demo) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _read_export(path: Path) -> list[tuple[str | None, ...]]:
    """The rows of a CSV export in the table's column order; ConfigurationError names the first bad row."""
    rows: list[tuple[str | None, ...]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=2):
            code = (raw.get("code") or "").strip().upper()
            last4 = _last4(raw.get("phone_last4") or raw.get("phone") or "")
            if not code or not (raw.get("status") or "").strip() or len(last4) != 4:
                raise ConfigurationError(f"{path}:{number}: needs code, status and a phone (≥ 4 digits)")
            received, due = _parse_date(raw.get("received_on")), _parse_date(raw.get("due_on"))
            rows.append(
                (code, (raw.get("procedure_name") or "").strip(), raw["status"].strip(),
                 received.isoformat() if received else None, due.isoformat() if due else None,
                 (raw.get("current_agency") or "").strip(), last4)
            )  # fmt: skip
    return rows


DEFAULT_FIELDS = {
    "code": "code",
    "procedure_name": "procedure_name",
    "status": "status",
    "received_on": "received_on",
    "due_on": "due_on",
    "current_agency": "current_agency",
    "phone": "phone",
}


class HttpStatusProvider:
    """A province's one-stop system: GET ``url_template`` (with ``{code}``), JSON, fields mapped by name.

    ``fields`` maps our names (see DEFAULT_FIELDS) to the system's; a dotted name reaches into nested objects.
    404 means "no such dossier"; any other failure raises ProviderUnavailable.
    """

    def __init__(
        self,
        url_template: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        date_format: str = "%Y-%m-%d",
        timeout_s: float = 5.0,
    ) -> None:
        if "{code}" not in url_template:
            raise ConfigurationError("status_provider.url_template must contain {code}")
        self.url_template = url_template
        self.fields = DEFAULT_FIELDS | (fields or {})
        self.headers = {key: os.path.expandvars(value) for key, value in (headers or {}).items()}
        self.date_format = date_format
        self.timeout_s = timeout_s

    def _field(self, payload: dict[str, Any], name: str) -> Any:
        value: Any = payload
        for part in self.fields[name].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def find(self, code: str) -> DossierRecord | None:
        """Ask the one-stop system for the dossier."""
        url = self.url_template.replace("{code}", quote(code.strip(), safe=""))
        try:
            answer = httpx.get(url, headers=self.headers, timeout=self.timeout_s)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"one-stop system unreachable: {type(error).__name__}") from error
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise ProviderUnavailable(f"one-stop system answered HTTP {answer.status_code}")
        try:
            payload = answer.json()
        except ValueError as error:
            raise ProviderUnavailable("one-stop system answered something that is not JSON") from error
        if not isinstance(payload, dict) or not self._field(payload, "status"):
            raise ProviderUnavailable("one-stop system's answer lacks the dossier status")
        return DossierRecord(
            code=str(self._field(payload, "code") or code).upper(),
            procedure_name=str(self._field(payload, "procedure_name") or ""),
            status=str(self._field(payload, "status")),
            received_on=_parse_date(self._field(payload, "received_on"), self.date_format),
            due_on=_parse_date(self._field(payload, "due_on"), self.date_format),
            current_agency=str(self._field(payload, "current_agency") or ""),
            phone_last4=_last4(str(self._field(payload, "phone") or "")),
        )


def make_provider(config: dict[str, Any] | None, demo: bool = False) -> StatusProvider:
    """The provider named by province.yml's ``one_stop_system.status_provider`` (default: SQLite).

    ``demo``: add the demo dossiers to the embedded table (unless real ones are loaded).
    """
    config = config or {}
    kind = config.get("type", "sqlite")
    if kind == "sqlite":
        return SQLiteStatusProvider(demo=demo)
    if kind == "http":
        if not config.get("url_template"):
            raise ConfigurationError("status_provider of type http needs url_template")
        return HttpStatusProvider(
            url_template=str(config["url_template"]),
            fields={str(k): str(v) for k, v in (config.get("fields") or {}).items()},
            headers={str(k): str(v) for k, v in (config.get("headers") or {}).items()},
            date_format=str(config.get("date_format") or "%Y-%m-%d"),
            timeout_s=float(config.get("timeout_s") or 5.0),
        )
    raise ConfigurationError(f"unknown status_provider type {kind!r} (sqlite or http)")


class Outcome(enum.Enum):
    """What a look-up attempt led to."""

    FOUND = "found"
    NO_MATCH = "no_match"  # unknown code or wrong owner digits: deliberately indistinguishable
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class LookupResult:
    """The outcome and, only when the owner was verified, the dossier."""

    outcome: Outcome
    dossier: DossierRecord | None = None


class DossierLookup:
    """Ownership-checked, rate-limited look-ups."""

    def __init__(self, provider: StatusProvider, records: CitizenRecords) -> None:
        self.provider = provider
        self.records = records

    def check(self, sender_id: str, code: str, phone_last4: str) -> LookupResult:
        """Look the dossier up for this conversation if the digits match the applicant's phone."""
        # Without the failure counts the rate limit cannot be kept: a store that cannot be read or written
        # makes the look-up unavailable rather than unlimited.
        try:
            by_sender, by_code = self.records.recent_lookup_failures(sender_id, code, FAILURE_WINDOW)
            if by_sender >= MAX_FAILURES_PER_CONVERSATION or by_code >= MAX_FAILURES_PER_DOSSIER:
                return LookupResult(Outcome.RATE_LIMITED)
            dossier = self.provider.find(code)
            given = _last4(phone_last4)
            if dossier is None or len(given) != 4 or not hmac.compare_digest(given, dossier.phone_last4):
                self.records.record_lookup_failure(sender_id, code)
                return LookupResult(Outcome.NO_MATCH)
        except (ProviderUnavailable, StoreUnavailable):
            return LookupResult(Outcome.UNAVAILABLE)
        return LookupResult(Outcome.FOUND, dossier)


def describe(dossier: DossierRecord, today: date | None = None) -> str:
    """The status as a chat message (no personal data: the phone digits are never repeated)."""
    today = today or date.today()
    lines = [f"Hồ sơ {dossier.code}"]
    if dossier.procedure_name:
        lines.append(f"Thủ tục: {dossier.procedure_name}")
    lines.append(f"Tình trạng: {dossier.status}")
    if dossier.received_on:
        lines.append(f"Ngày tiếp nhận: {dossier.received_on:%d/%m/%Y}")
    if dossier.due_on:
        finished = "kết quả" in dossier.status.lower()
        overdue = " (đã quá hạn hẹn trả)" if dossier.due_on < today and not finished else ""
        lines.append(f"Ngày hẹn trả kết quả: {dossier.due_on:%d/%m/%Y}{overdue}")
    if dossier.current_agency:
        lines.append(f"Cơ quan đang xử lý: {dossier.current_agency}")
    return "\n".join(lines)
