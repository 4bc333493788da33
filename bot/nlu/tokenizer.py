"""Rasa tokenizer for Vietnamese: underthesea words, canonical text, accent-free lemmas.

Each token keeps its span in the message as typed (entity offsets stay right), carries the
canonical word as ``text`` ("đăng_ký", with abbreviations expanded) and its syllables without
diacritics as ``lemma`` ("dang ky"). A CountVectorsFeaturizer with ``use_lemma: true`` then sees
the same features whether the citizen typed "đăng ký", "dang ky" or "dk".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.text.abbreviations import DEFAULT_TABLE, AbbreviationTable, load_table
from bot.text.segment import Segmenter, segment, underthesea_segmenter


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Segments Vietnamese text into words with underthesea."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            # split intent names on a symbol (multi-intents); unused here
            "intent_tokenization_flag": False,
            # the symbol to split intent names on
            "intent_split_symbol": "_",
            # optional regex that further splits tokens (Rasa's shared option)
            "token_pattern": None,
            # prefix separator symbol (Rasa's shared option)
            "prefix_separator_symbol": None,
            # group syllables into words with underthesea (off: one token per syllable)
            "segment_words": True,
            # abbreviation table, relative to the project root; null disables expansion
            "abbreviations_file": str(DEFAULT_TABLE),
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Build the tokenizer; the segmenter loads on first use."""
        super().__init__(config)
        table_path = self._config.get("abbreviations_file")
        self._abbreviations: AbbreviationTable | None = (
            load_table(Path(table_path)) if table_path and Path(table_path).exists() else None
        )
        self._segmenter: Segmenter | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        """Create the component (see the parent class)."""
        return cls(config)

    def _segment_function(self) -> Segmenter | None:
        if not self._config.get("segment_words", True):
            return None
        if self._segmenter is None:
            self._segmenter = underthesea_segmenter()
        return self._segmenter

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokens of one attribute of a message."""
        text = message.get(attribute) or ""
        words = segment(text, self._abbreviations, self._segment_function())
        tokens = [Token(w.canonical, w.start, end=w.end, lemma=w.plain) for w in words]
        if not tokens and text.strip():
            # Emoji or punctuation only: one token keeps the message featurisable.
            stripped = text.strip()
            start = text.index(stripped)
            tokens = [Token(stripped, start, end=start + len(stripped), lemma=stripped)]
        return self._apply_token_pattern(tokens)
