"""The synonyms' exchange format: synonyms.yml-style YAML, with each row's version and active flag.

An alias is written ``target: {phrases: [...], active: true, version: 3}``; the plain list of the seed
file (``target: [...]``) is read too, as a row naming no version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from bot.console.alias_model import (
    AliasDraft,
    AliasRecord,
    Line,
    RuleDraft,
    RuleRecord,
    key,
    validate_alias,
    validate_rule,
)


def drafts_of(document: Mapping[str, Any]) -> tuple[list[AliasDraft], list[RuleDraft]]:
    """The drafts of a synonyms.yml document (assumed well formed: the file, or a checked import)."""
    aliases = [
        AliasDraft(str(target), tuple(str(p) for p in phrases or []))
        for target, phrases in (document.get("aliases") or {}).items()
    ]
    rules = [
        RuleDraft(
            str(rule["search"]),
            tuple(tuple(str(p) for p in group) for group in rule.get("when_all") or []),
            tuple(str(p) for p in rule.get("unless") or []),
        )
        for rule in document.get("concepts") or []
        if isinstance(rule, dict) and rule.get("search")
    ]
    return aliases, rules


def to_yaml(document: Mapping[str, Any]) -> str:
    """The export (see :meth:`bot.console.alias_store.SynonymStore.export_document`) as text."""
    header = (
        "# Exported from the staff console (/console/aliases): every alias and concept rule with its\n"
        "# version (keep it: the import refuses rows changed since) and active flag (false: hidden).\n"
    )
    body = yaml.safe_dump(
        dict(document), allow_unicode=True, sort_keys=False, width=4096, default_flow_style=None
    )
    return header + body


def parse_yaml(text: str) -> tuple[list[Line[AliasDraft]], list[Line[RuleDraft]], list[str]]:
    """The drafts of an uploaded synonyms.yml-style file, or errors naming the line."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return [], [], [f"Tệp YAML không đọc được: {error}"]
    if root is None or not isinstance(data, dict) or not ({"aliases", "concepts"} & set(data)):
        return [], [], ["Tệp cần có khóa “aliases” và/hoặc “concepts” (như knowledge_base/synonyms.yml)."]
    nodes = {k.value: v for k, v in root.value}
    errors: list[str] = []
    aliases: list[Line[AliasDraft]] = []
    rules: list[Line[RuleDraft]] = []
    raw_aliases = data.get("aliases") or {}
    if not isinstance(raw_aliases, dict):
        errors.append(
            f"Dòng {nodes['aliases'].start_mark.line + 1}: “aliases” phải là bảng cụm từ → cách nói."
        )
    else:
        lines = [k.start_mark.line + 1 for k, _ in nodes["aliases"].value] if raw_aliases else []
        for line, (target, value) in zip(lines, raw_aliases.items()):
            # synonyms.yml's plain list of phrases, or the export's entry with its version and flag
            entry = value if isinstance(value, dict) else {"phrases": value}
            phrases = entry.get("phrases")
            if not isinstance(phrases, list) or not all(isinstance(p, str | int) for p in phrases):
                errors.append(f"Dòng {line}: “{target}” cần một danh sách cách nói.")
                continue
            draft = AliasDraft(
                str(target).strip(), tuple(str(p).strip() for p in phrases), entry.get("active") is not False
            )
            aliases.append((line, draft, _version(entry)))
    raw_rules = data.get("concepts") or []
    if not isinstance(raw_rules, list):
        errors.append(f"Dòng {nodes['concepts'].start_mark.line + 1}: “concepts” phải là danh sách quy tắc.")
    else:
        lines = [n.start_mark.line + 1 for n in nodes["concepts"].value] if raw_rules else []
        for line, rule in zip(lines, raw_rules):
            groups = rule.get("when_all") if isinstance(rule, dict) else None
            unless = (rule.get("unless") or []) if isinstance(rule, dict) else None
            if (
                not isinstance(rule, dict)
                or not isinstance(groups, list)
                or not all(isinstance(g, list) for g in groups)
                or not isinstance(unless, list)
            ):
                errors.append(f"Dòng {line}: quy tắc cần search, when_all (danh sách các nhóm) và unless.")
                continue
            rule_draft = RuleDraft(
                str(rule.get("search") or "").strip(),
                tuple(tuple(str(p).strip() for p in g) for g in groups),
                tuple(str(p).strip() for p in unless),
                rule.get("active") is not False,
            )
            rules.append((line, rule_draft, _version(rule)))
    return aliases, rules, errors


def _version(entry: Mapping[str, Any]) -> int | None:
    version = entry.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def check_import(
    aliases: list[Line[AliasDraft]],
    rules: list[Line[RuleDraft]],
    stored_aliases: list[AliasRecord],
    stored_rules: list[RuleRecord],
) -> list[str]:
    """Problems of an imported file's rows, by line.

    Checked against each other and the stored active rows the file does not replace; hidden rows in the
    file are not checked, since the assistant does not use them.
    """
    errors: list[str] = []
    in_file = {key(d.target) for _, d, _ in aliases}
    kept_aliases = [a for a in stored_aliases if a.active and key(a.target) not in in_file]
    for index, (line, draft, _) in enumerate(aliases):
        if not draft.active:
            continue
        siblings = [d for i, (_, d, _) in enumerate(aliases) if i != index and d.active]
        errors += [f"Dòng {line}: {p}" for p in validate_alias(draft, [*siblings, *kept_aliases])]
    in_rules = {key(d.search) for _, d, _ in rules}
    kept_rules = [r for r in stored_rules if r.active and key(r.search) not in in_rules]
    for index, (line, rule, _) in enumerate(rules):
        if not rule.active:
            continue
        others = [d for i, (_, d, _) in enumerate(rules) if i != index and d.active]
        errors += [f"Dòng {line}: {p}" for p in validate_rule(rule, [*others, *kept_rules])]
    return errors
