"""Normalisation and validation of personal names (姓・名) and their readings (セイ・メイ)."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 50
_HIRAGANA_START, _HIRAGANA_END = 0x3041, 0x3096
_KATAKANA_OFFSET = 0x60
_KANA_EXTRA = {"ー", "・", " ", "ヽ", "ヾ"}


def normalize_name(value: str) -> str:
    """NFKC folds half-width katakana and full-width Latin; spaces are collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def normalize_kana(value: str) -> str:
    """Hiragana is accepted and stored as katakana."""
    folded = normalize_name(value)
    return "".join(
        chr(ord(ch) + _KATAKANA_OFFSET) if _HIRAGANA_START <= ord(ch) <= _HIRAGANA_END else ch
        for ch in folded
    )


def _is_symbol_or_control(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in {"So", "Sk", "Cc", "Cf", "Cs", "Co", "Cn"} or 0xFE00 <= ord(ch) <= 0xFE0F


def validate_person_name(value: str) -> None:
    if any(_is_symbol_or_control(ch) for ch in value):
        raise ValidationError(
            _("Names cannot contain emoji, symbols or control characters."), code="symbols"
        )


def validate_kana(value: str) -> None:
    for ch in value:
        if ch in _KANA_EXTRA:
            continue
        if not ("\u30a1" <= ch <= "\u30f6"):
            raise ValidationError(
                _("Please write the reading in katakana (for example ヤマダ)."), code="kana"
            )
