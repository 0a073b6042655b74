"""Finding a person by what a coordinator types: kanji (山田), the reading in either kana
(やまだ, ヤマダ), romaji (yamada), full- or half-width, or part of the address.

Readings are stored in katakana (``accounts.names``); what is typed is folded (NFKC),
hiragana become katakana and romaji become kana with jaconv, so all three find the same
person. Each word must match somewhere (「山田 花子」, 「yamada hanako」)."""

import unicodedata

import jaconv
from django.db.models import Q


def _reading(word: str) -> str:
    """The word as katakana: hiragana converted, romaji read as kana."""
    if word.isascii() and word.isalpha():
        word = jaconv.alphabet2kana(word.lower())
    return jaconv.hira2kata(word)


def name_search(query: str, *, prefix: str = "", also: tuple[str, ...] = ()) -> Q:
    """A condition that each word of ``query`` matches the name, reading or address of the
    person at ``prefix`` (e.g. ``"user__"``), or of one at the ``also`` prefixes (an
    engagement's client or supporter: 「清水 佐藤」 finds 清水's engagement with 佐藤).
    Empty query: everyone."""
    condition = Q()
    for word in unicodedata.normalize("NFKC", query).split()[:5]:
        reading = _reading(word)
        either = Q(pk__in=[])
        for at in (prefix, *also):
            either |= (
                Q(**{f"{at}family_name__icontains": word})
                | Q(**{f"{at}given_name__icontains": word})
                | Q(**{f"{at}email__icontains": word})
                | Q(**{f"{at}family_name_kana__contains": reading})
                | Q(**{f"{at}given_name_kana__contains": reading})
            )
        condition &= either
    return condition
