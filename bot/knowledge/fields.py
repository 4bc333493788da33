"""Build time: the text of each indexed field of a procedure, and the passage the dense index embeds."""

from __future__ import annotations

from bot.knowledge.model import Procedure

# Long fields are cut: past this length they add noise to BM25 and time to the build, not topic.
LONG_FIELD_CHARS = 2000
# The indexed fields, in the order the lexical index stores them.
INDEXED_FIELDS = ("name", "results", "sector", "documents", "conditions", "applicants", "steps")


def procedure_fields(procedure: Procedure) -> dict[str, str]:
    """The text of each indexed field of a procedure."""
    return {
        "name": procedure.name,
        "results": " ; ".join(procedure.results),
        "sector": procedure.sector,
        "documents": " ; ".join(d.name for d in procedure.documents),
        "conditions": procedure.conditions[:LONG_FIELD_CHARS],
        "applicants": procedure.applicants,
        "steps": " ".join(procedure.steps)[:LONG_FIELD_CHARS],
    }


def dense_passage(procedure: Procedure) -> str:
    """What the dense index embeds: the name, then short glimpses of result and conditions (or applicants).

    Measured on the dev questions: name only hit@1 0.684 / MRR 0.768; with these glimpses 0.716 / 0.785.
    Kept short: encoding time grows with length and a cold build must stay under 3 minutes.
    """
    parts = [procedure.name]
    if procedure.results:
        parts.append("Kết quả: " + "; ".join(procedure.results)[:100])
    if procedure.conditions:
        parts.append("Điều kiện: " + procedure.conditions[:160])
    elif procedure.applicants:
        parts.append("Đối tượng: " + procedure.applicants[:100])
    return ". ".join(parts)
