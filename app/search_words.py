"""The words a person is found by, so that a search box finds them by the start of any word through an index
instead of reading every person: each word of their name, their email whole and in parts, their employee number.

"Sil" finds Maria Silva; "erin pa" finds Erin Park (every typed word must start one of theirs); "erin.park@"
finds her by her email; "S000123" by her employee number. Case does not matter (casefold), nor accents: a word is
kept as written and without its accents, and what is typed is looked up without them ("erin" and "Érin" find
Érin; "Muller" finds Müller).
"""

from __future__ import annotations

import re
import unicodedata

WORD_LENGTH = 80  # longer words are cut: a prefix search never needs more
MAX_TERMS = 5  # a search box with more words than this looks for the first five
_PARTS = re.compile(r"[^\W_]+")  # letters and digits: "o'brien" → "o", "brien"; "erin.park@x.com" → "erin", "park", …


def words_of(name: str | None, email: str | None, employee_number: str | None) -> set[str]:
    """Every word someone might start typing to find this person."""
    words: set[str] = set()
    for text in (name, email):
        folded = (text or "").casefold()
        words.update(_PARTS.findall(folded))
        words.update(folded.split())  # as written, with its punctuation: "o'brien"
    for whole in (email, employee_number):
        if whole and whole.strip():
            words.add(whole.strip().casefold())
    words |= {without_accents(word) for word in words}
    return {word[:WORD_LENGTH] for word in words if word}


def words_in(*texts: str | None) -> set[str]:
    """The words of some text (a catalog item's name and description) as `words_of` finds a person's: each word
    whole and in its parts ("11-inch" → "11-inch", "11", "inch"), casefolded, with and without accents."""
    words: set[str] = set()
    for text in texts:
        folded = (text or "").casefold()
        words.update(_PARTS.findall(folded))
        words.update(folded.split())
    words |= {without_accents(word) for word in words}
    return {word[:WORD_LENGTH] for word in words if word}


def all_found(terms: list[str], words: set[str]) -> bool:
    """Every typed term starts one of the words (no terms: everything is found)."""
    return all(any(word.startswith(term) for word in words) for term in terms)


def without_accents(text: str) -> str:
    """'érin' → 'erin', 'müller' → 'muller' (the letters without their combining marks)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def terms_of(text: str) -> list[str]:
    """The words of what was typed, each to be found at the start of one of a person's words."""
    return [without_accents(term)[:WORD_LENGTH] for term in text.casefold().split()][:MAX_TERMS]


def after_prefix(prefix: str) -> str:
    """The smallest string after every string that starts with `prefix` ("sil" → "sim"): with it, a prefix is a
    range that an ordinary index answers (`prefix <= word < after_prefix(prefix)`)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
