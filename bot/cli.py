"""Command line of the services environment: ``citizenbot kb …``, ``dossiers``, ``purge``, ``staff …``.

``staff`` has add, unlock, disable and reset-password.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.errors import CitizenBotError


def _dossiers_load(args: argparse.Namespace) -> int:
    from bot.services.dossier_status import SQLiteStatusProvider

    provider = SQLiteStatusProvider(args.db)
    count = provider.load_csv(args.file)
    print(f"loaded {count} dossiers into {provider.where} (phone numbers kept as their last 4 digits)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests)."""
    from bot.knowledge.commands import add_kb_commands

    parser = argparse.ArgumentParser(prog="citizenbot", description=__doc__)
    commands = parser.add_subparsers(dest="area", required=True)
    add_kb_commands(commands)

    dossiers = commands.add_parser("dossiers", help="the embedded dossier-status store")
    dossier_commands = dossiers.add_subparsers(dest="command", required=True)
    sub = dossier_commands.add_parser(
        "load",
        help="load a one-stop system export (CSV: code, procedure_name, status, received_on, due_on, "
        "current_agency, phone); the demo dossiers, if any, are removed first",
    )
    sub.add_argument("file", type=Path)
    sub.add_argument(
        "--db",
        type=Path,
        default=None,
        help="SQLite file (default $CITIZENBOT_DB or var/citizenbot.db; $CITIZENBOT_DATABASE_URL wins)",
    )
    sub.set_defaults(handler=_dossiers_load)
    sub = commands.add_parser(
        "purge", help="delete conversations and records older than province.yml's retention.days"
    )
    sub.add_argument("--days", type=int, default=None, help="override retention.days")
    sub.add_argument("--db", type=Path, default=None, help="records store (default $CITIZENBOT_DB)")
    sub.add_argument(
        "--tracker-db", type=Path, default=None, help="SQLite tracker store (default $CITIZENBOT_TRACKER_DB)"
    )
    sub.set_defaults(handler=_purge)

    staff = commands.add_parser("staff", help="staff console accounts")
    staff_commands = staff.add_subparsers(dest="command", required=True)
    sub = staff_commands.add_parser("add", help="create a console account (password asked, not an argument)")
    sub.add_argument("username")
    sub.add_argument("--role", choices=("editor", "viewer"), required=True)
    sub.add_argument("--name", default=None, help="name shown to colleagues and citizens (default: username)")
    sub.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    sub.add_argument("--db", type=Path, default=None, help="records store (default $CITIZENBOT_DB)")
    sub.set_defaults(handler=_staff_add)
    for name, helptext in (
        ("unlock", "lift the lock-out after repeated failed logins"),
        ("disable", "stop an account from logging in (its sessions end too)"),
        ("reset-password", "set a new password (asked, not an argument); lifts a lock-out"),
    ):
        sub = staff_commands.add_parser(name, help=helptext)
        sub.add_argument("username")
        if name == "reset-password":
            sub.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        sub.add_argument("--db", type=Path, default=None, help="records store (default $CITIZENBOT_DB)")
        sub.set_defaults(handler=_staff_change)
    return parser


def _read_password(from_stdin: bool) -> str | None:
    """The new password, from stdin or asked twice; None when the two entries differ."""
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    # A password on the command line would stay in the shell history and in `ps`.
    password = getpass.getpass("Mật khẩu: ")
    if password != getpass.getpass("Nhập lại mật khẩu: "):
        print("citizenbot: hai mật khẩu không khớp", file=sys.stderr)
        return None
    return password


def _staff_add(args: argparse.Namespace) -> int:
    import getpass

    from bot.console.accounts import StaffAccounts
    from bot.console.audit import AuditLog
    from bot.console.db import ConsoleDatabase
    from bot.services.records import CitizenRecords

    password = _read_password(args.password_stdin)
    if password is None:
        return 2
    database = ConsoleDatabase(CitizenRecords(args.db).database)
    user = StaffAccounts(database).add(args.username, password, args.role, args.name)
    after = {"role": user.role, "name": user.display_name}
    AuditLog(database).record(f"cli:{getpass.getuser()}", "staff.add", user.username, after=after)
    print(f"created {user.role} account {user.username} in {database.description}")
    return 0


def _staff_change(args: argparse.Namespace) -> int:
    """unlock, disable or reset-password: audited as the operating-system user who ran it."""
    import getpass

    from bot.console.accounts import StaffAccounts
    from bot.console.audit import AuditLog
    from bot.console.db import ConsoleDatabase
    from bot.services.records import CitizenRecords

    database = ConsoleDatabase(CitizenRecords(args.db).database)
    accounts = StaffAccounts(database)
    after: dict[str, object]
    if args.command == "disable":
        if not accounts.disable(args.username):
            print(f"citizenbot: không có tài khoản {args.username}", file=sys.stderr)
            return 1
        action, after, message = "staff.disable", {"active": False}, "disabled"
    elif accounts.get(args.username) is None:
        print(f"citizenbot: không có tài khoản đang dùng {args.username}", file=sys.stderr)
        return 1
    elif args.command == "unlock":
        was_locked = accounts.unlock(args.username)
        action, after = "staff.unlock", {"was_locked": was_locked}
        message = "unlocked" if was_locked else "was not locked:"
    else:
        password = _read_password(args.password_stdin)
        if password is None:
            return 2
        accounts.set_password(args.username, password)
        action, after, message = "staff.password", {"password": "đã đặt lại"}, "new password for"
    AuditLog(database).record(f"cli:{getpass.getuser()}", action, args.username, after=after)
    print(f"{message} {args.username}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from bot.services.records import CitizenRecords
    from bot.services.retention import purge
    from bot.settings import load_settings

    days = args.days if args.days is not None else load_settings().retention_days
    if days < 1:
        print("citizenbot: --days must be at least 1", file=sys.stderr)
        return 2
    report = purge(CitizenRecords(args.db), days, args.tracker_db)
    print(f"purged {report.summary()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        return int(args.handler(args))
    except CitizenBotError as error:
        print(f"citizenbot: {error}", file=sys.stderr)
        return 1
    finally:
        if getattr(args, "verbose", False):
            print(f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
