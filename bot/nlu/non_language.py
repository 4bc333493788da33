"""Text that is not language (markup, symbols, SQL-like strings) gets its own intent with full confidence.

A classifier trained on Vietnamese questions still puts such text somewhere, sometimes confidently
(``<script>alert(1)</script>`` looked like four digits and started the dossier form). This component
runs after the classifiers and overrides them, so a rule answers "tôi chưa hiểu" and no form starts.
Button payloads ("/rate_answer{...}"), emoji, numbers, codes, phone numbers and e-mails are language
here and are left alone.
"""

from __future__ import annotations

import re
import unicodedata

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.optionless import OptionlessComponent
from bot.text.vietnamese import strip_diacritics

NON_LANGUAGE_INTENT = "non_language"
# config.yml's FallbackClassifier threshold, which ran before this component.
FALLBACK_THRESHOLD = 0.5

# Intent payloads sent by buttons; Rasa's RegexMessageHandler reads them after the pipeline.
_PAYLOAD = re.compile(r"^\s*/\w+(\{.*\})?\s*$", re.DOTALL)
_MARKUP = re.compile(
    r"</\s*[a-z][\w-]*\s*>"  # a closing tag
    r"|<\s*(script|img|iframe|svg|style|body|html|input|form|object|embed|link|meta|div|span|a|b|i|p|br"
    r"|table|h[1-6])\b[^<>]*>"  # an opening HTML tag
    r"|<[a-z][\w-]*(\s+[\w-]+\s*=\s*[^<>]*)+/?>"  # any tag with attributes
    r"|\bjavascript\s*:|\bon(error|load|click|mouseover)\s*="
    r"|&(lt|gt|amp|quot|#\d+);|%3c|\{\{.*\}\}|\$\{.*\}|\.\./\.\./",
    re.IGNORECASE,
)
_SQL = re.compile(
    r"\bselect\b.+\bfrom\b|\bunion\s+(all\s+)?select\b|\binsert\s+into\b|\bdrop\s+(table|database)\b"
    r"|\bdelete\s+from\b|\bupdate\s+\w+\s+set\b|\b(or|and)\s+['\"]?\d+['\"]?\s*=\s*['\"]?\d+"
    r"|'\s*(or|and)\s+'|;\s*--|\bexec\s*\(|\bxp_cmdshell\b|\bsleep\s*\(\s*\d+\s*\)",
    re.IGNORECASE,
)
# A Vietnamese syllable written without its diacritics: onset, vowel nucleus, coda. Words of SQL and markup
# ("select", "script", "table", "users") are not syllables; a message with this many of them around its
# markup is a citizen's sentence that happens to quote code, and is read as language.
_SYLLABLE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?"  # onset
    r"[aeiouy]{1,3}"  # nucleus
    r"(ch|ng|nh|[cmnpt])?"  # coda
)
SYLLABLES_OF_LANGUAGE = 3
# Above this share of symbol characters (letters, digits, spaces and emoji not counted) text is noise.
MAX_SYMBOL_SHARE = 0.5
MIN_SYMBOLS = 3


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or 0x1F000 <= ord(char) <= 0x1FAFF


def is_non_language(text: str) -> bool:
    """True for markup, SQL-like strings and symbol-only (or mostly symbol) text."""
    text = (text or "").strip()
    if not text or _PAYLOAD.match(text):
        return False
    if _MARKUP.search(text) or _SQL.search(text):
        rest = _SQL.sub(" ", _MARKUP.sub(" ", text))
        words = {strip_diacritics(w) for w in re.findall(r"[^\W\d_]+", rest.lower())}
        return sum(bool(_SYLLABLE.fullmatch(w)) for w in words) < SYLLABLES_OF_LANGUAGE
    meaningful = [c for c in text if c.isalnum() or _is_emoji(c)]
    symbols = [c for c in text if not c.isspace() and not c.isalnum() and not _is_emoji(c)]
    if not meaningful:
        # "???", "...", "@#$%": nothing to read; a lone emoji is a reaction, not noise.
        return bool(symbols)
    return len(symbols) >= MIN_SYMBOLS and len(symbols) > MAX_SYMBOL_SHARE * (len(symbols) + len(meaningful))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NonLanguageClassifier(OptionlessComponent, IntentClassifier):
    """Marks markup, symbols and SQL-like text as ``non_language`` with confidence 1, whatever came before."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs after the intent classifiers it overrides."""
        return [IntentClassifier]

    def process(self, messages: list[Message]) -> list[Message]:
        """Decide ``non_language`` alone: set it on non-language text, take it from language.

        Entities of non-language text are dropped, so no form may start; a sentence that merely quotes
        markup, which the classifier may have taken for non-language, gets its next intent.
        """
        for message in messages:
            if not is_non_language(message.get(TEXT) or ""):
                self._keep_language(message)
                continue
            verdict = {"name": NON_LANGUAGE_INTENT, "confidence": 1.0}
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != NON_LANGUAGE_INTENT
            ]
            message.set(INTENT, verdict, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [verdict, *ranking], add_to_output=True)
            message.set(ENTITIES, [], add_to_output=True)
        return messages

    @staticmethod
    def _keep_language(message: Message) -> None:
        intent = message.get(INTENT) or {}
        if intent.get("name") != NON_LANGUAGE_INTENT:
            return
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != NON_LANGUAGE_INTENT]
        if ranking:
            best = ranking[0]
            if float(best.get("confidence") or 0.0) < FALLBACK_THRESHOLD:
                # What is left was never confident: the NLU fallback decides, as for any doubtful text.
                best = {"name": "nlu_fallback", "confidence": 1.0 - float(best.get("confidence") or 0.0)}
                ranking = [best, *ranking]
            message.set(INTENT, best, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
