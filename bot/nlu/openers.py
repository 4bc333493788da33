"""Greetings and call words before a question ("ad ơi", "alo", "em chào anh chị ạ") do not decide the intent.

Citizens open a chat the way they open a phone call: "ad ơi cho hỏi làm sổ đỏ cần những gì ạ". The
greeting words are strong evidence for ``greet`` and would hide the question, so when a leading opener
is followed by words that carry meaning, its tokens are dropped before featurisation (in training and
at prediction alike) and the rest of the message decides. A greeting alone ("alo", "chào ad",
"xin chào, cho em hỏi chút") keeps all its tokens and stays a greeting.
"""

from __future__ import annotations

from collections.abc import Sequence

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.optionless import OptionlessComponent
from bot.text.vietnamese import strip_diacritics

# Accent-free syllables that make a message an opener: at least one must be in the leading run.
_CALL_SYLLABLES = frozenset({"chao", "alo", "hello", "helo", "hi", "hey", "oi", "lo"})
# Whom the citizen addresses and politeness particles: allowed in the run, never enough on their own.
_ADDRESS_SYLLABLES = frozenset(
    {
        "xin", "kinh", "da", "ad", "admin", "bot", "ban", "em", "anh", "chi", "co", "chu", "bac",
        "chau", "minh", "toi", "a", "ah", "nhe", "nha", "he", "ca", "moi", "cac", "buoi", "sang", "trua",
        "chieu",
    }
)  # fmt: skip
# Whole words (accent-free, as the tokenizer's lemma) that name the one addressed.
_ADDRESS_WORDS = frozenset(
    {
        "tro ly", "tro ly ao", "tong dai", "tong dai vien", "trung tam", "ca nha", "moi nguoi", "anh chi",
        "can bo", "bo phan", "mot cua", "bo phan mot cua", "hanh chinh cong", "trung tam hanh chinh cong",
        "nhan vien", "buoi sang", "buoi chieu", "buoi toi", "a lo", "he lo", "xin chao", "co ai khong",
        "co ai o do khong",
    }
)  # fmt: skip
_LONGEST_ADDRESS_WORD = max(len(word.split()) for word in _ADDRESS_WORDS)
# Words that only announce a question ("cho em hỏi chút"): they do not make the rest a question.
_ASKING_SYLLABLES = frozenset(
    {"cho", "hoi", "chut", "xiu", "ti", "ty", "muon", "can", "voi", "mot", "viec", "duoc"}
)
# Syllables of meaning needed after the opener before it is dropped.
MINIMUM_CONTENT_SYLLABLES = 2


def _syllables(token: Token) -> list[str]:
    lemma = token.lemma or token.text
    return strip_diacritics(lemma.replace("_", " ").lower()).split()


def _address_phrase_at(syllables: Sequence[str], start: int) -> int:
    """Length of the longest address word starting at ``start`` (0 when none).

    Typed with or without diacritics, the segmenter may split or join a word's syllables differently,
    so address words are matched on syllables, across tokens.
    """
    for size in range(_LONGEST_ADDRESS_WORD, 1, -1):
        if " ".join(syllables[start : start + size]) in _ADDRESS_WORDS:
            return size
    return 0


def _opener_syllables(syllables: Sequence[str]) -> tuple[int, bool]:
    """How many leading syllables are opener words, and whether a call word ("chào", "alo", "ơi") is one."""
    position, called = 0, False
    while position < len(syllables):
        phrase = _address_phrase_at(syllables, position)
        if phrase:
            # "xin chào", "a lô", "hế lô" are calls too, matched as whole words
            called = called or any(s in _CALL_SYLLABLES for s in syllables[position : position + phrase])
            position += phrase
        elif syllables[position] in _CALL_SYLLABLES:
            position, called = position + 1, True
        elif syllables[position] in _ADDRESS_SYLLABLES:
            position += 1
        else:
            break
    return position, called


def _content_syllables(syllables: Sequence[str]) -> int:
    """Syllables that carry meaning: not opener words, not words that only announce a question."""
    count, position = 0, 0
    while position < len(syllables):
        phrase = _address_phrase_at(syllables, position)
        if phrase:
            position += phrase
            continue
        word = syllables[position]
        if word not in _ASKING_SYLLABLES and word not in _ADDRESS_SYLLABLES and word not in _CALL_SYLLABLES:
            count += 1
        position += 1
    return count


def opener_length(tokens: Sequence[Token]) -> int:
    """How many leading tokens form an opener to drop; 0 when there is none or nothing follows it."""
    per_token = [_syllables(token) for token in tokens]
    flat = [syllable for syllables in per_token for syllable in syllables]
    opener, called = _opener_syllables(flat)
    if not called:
        return 0
    # Only whole tokens are dropped: a token the opener ends inside stays.
    length, consumed = 0, 0
    for syllables in per_token:
        if consumed + len(syllables) > opener:
            break
        consumed += len(syllables)
        length += 1
    if length == 0 or length == len(tokens):
        return 0
    rest = [syllable for syllables in per_token[length:] for syllable in syllables]
    return length if _content_syllables(rest) >= MINIMUM_CONTENT_SYLLABLES else 0


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LeadingOpenerFilter(OptionlessComponent):
    """Drops a leading greeting or call word from the tokens when a question follows it."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs on the tokenizer's tokens, before any featurizer."""
        return [Tokenizer]

    def _filter(self, message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not tokens:
            return
        drop = opener_length(tokens)
        if drop:
            message.set(TOKENS_NAMES[TEXT], tokens[drop:])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The same filter on training examples, so training and prediction see the same words."""
        for example in training_data.training_examples:
            self._filter(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Filter incoming messages."""
        for message in messages:
            self._filter(message)
        return messages
