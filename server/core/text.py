"""The text people type, in one form: what is checked and stored is what it reads as.

``normalise`` is applied once, where a request's text is read (``TrimmedString`` in
miniprogram_api/fields.py), so the content check, the database and every later reader see the
same characters:

- NFKC: full-width letters and digits (ＡＢＣ１２３), circled numbers and the like become the
  plain characters they look like, so a banned word cannot hide behind a look-alike. Full-width
  punctuation, ￥ and the ideographic space are spared: they are how Chinese is written, and
  NFKC would narrow "，！？（）" to ",!?()".
- Format characters (Unicode Cf) are dropped: zero-width spaces and joiners, byte-order marks,
  and the bidirectional overrides (U+202E) that make a title read backwards. A zero-width joiner
  inside an emoji sequence (👨‍👩‍👧) is kept: it is what makes the sequence one picture.

Nothing else is changed: spaces, line breaks and case stay as typed. Control characters are not
this module's to drop: the edge refuses them (no keyboard makes them).

``compact`` is the form words are matched in (moderation's banned words): letters and digits
only, case-folded, so "高 利 贷", "高\u200b利贷" and "高-利-贷" all read 高利贷.
"""

import re
import unicodedata

ZERO_WIDTH_JOINER = "\u200d"
# Characters an emoji sequence joins: pictographs, skin tones (Sk), the emoji variation selector.
_EMOJI_PARTS = frozenset({"So", "Sk", "Mn"})
# Wide forms NFKC would narrow to ASCII that Chinese writing uses as they are.
_KEPT_WIDE = "\u3000" + "".join(
    ch for ch in map(chr, [*range(0xFF01, 0xFF61), *range(0xFFE0, 0xFFEF)]) if unicodedata.category(ch)[0] in "PS"
)
_KEPT_WIDE_RUN = re.compile(f"([{re.escape(_KEPT_WIDE)}]+)")


def normalise(text: str) -> str:
    pieces = _KEPT_WIDE_RUN.split(text)  # odd indexes are the spared runs
    text = "".join(piece if i % 2 else unicodedata.normalize("NFKC", piece) for i, piece in enumerate(pieces))
    return "".join(ch for i, ch in enumerate(text) if unicodedata.category(ch) != "Cf" or _joins_emoji(text, i))


def compact(text: str) -> str:
    return "".join(ch for ch in normalise(text).casefold() if unicodedata.category(ch)[0] in "LN")


def _joins_emoji(text: str, i: int) -> bool:
    if text[i] != ZERO_WIDTH_JOINER or i == 0 or i + 1 == len(text):
        return False
    return unicodedata.category(text[i - 1]) in _EMOJI_PARTS and unicodedata.category(text[i + 1]) == "So"
