"""How a notification becomes a subscribe message: its keyword values fitted to WeChat's
limits, and its page.

Nothing here touches the database or knows a feature: values come from a plain context dict
(the feature's, plus what ``notify`` adds: server.notifications.registry.GENERIC_SOURCES).
"""

from datetime import date, datetime

from server.core import clock

# -- keyword values (WECHAT.md: limits per keyword type) ------------------------------------

TEXT_LIMITS = {"thing": 20, "phrase": 5, "character_string": 32, "number": 32, "letter": 32, "symbol": 5}
PHONE_LIMIT = 17


def keyword_type(key: str) -> str:
    """``thing2`` -> ``thing``: WeChat names each keyword by its type and position."""
    return key.rstrip("0123456789")


def fit_value(key: str, value) -> str:
    """Shape ``value`` so WeChat accepts it for a keyword of ``key``'s type."""
    kind = keyword_type(key)
    if kind in ("time", "date") and isinstance(value, datetime | date):
        return _format_moment(value, with_time=kind == "time")
    text = " ".join(str(value if value is not None else "").split())  # one line
    if kind == "thing":
        return cut(text, TEXT_LIMITS["thing"]) or "无"
    if kind == "phrase":  # Chinese characters only
        return "".join(ch for ch in text if _is_cjk(ch))[: TEXT_LIMITS["phrase"]] or "无"
    if kind == "name":  # 10 Chinese characters, or 20 Latin ones
        return text[: 10 if any(not ch.isascii() for ch in text) else 20] or "无"
    if kind == "character_string":  # letters, digits and symbols; no Chinese
        return "".join(ch for ch in text if "!" <= ch <= "~")[:32] or "-"
    if kind == "number":
        return "".join(ch for ch in text if ch.isdigit() or ch == ".")[:32] or "0"
    if kind == "letter":
        return "".join(ch for ch in text if ch.isascii() and ch.isalpha())[:32] or "-"
    if kind == "symbol":
        return text[: TEXT_LIMITS["symbol"]] or "-"
    if kind == "phone_number":
        return "".join(ch for ch in text if ch.isdigit() or ch in "+-")[:PHONE_LIMIT]
    return cut(text, 20)  # an unknown type: the strictest common limit


def render_data(keywords: dict, context: dict) -> dict:
    """``{"thing2": "title", …}`` with a context -> ``{"thing2": "帮忙取降压药", …}``, fitted."""
    return {key: fit_value(key, context.get(source)) for key, source in keywords.items()}


def render_page(page: str | None, subject_type: str | None, subject_id: int | None) -> str | None:
    """``pages/wish/detail?id={wish_id}`` -> ``…?id=42``: ``{subject_id}``, or ``{<subject type>_id}``
    (``{wish_id}`` for a wish, ``{activity_id}`` for an activity), names what the message is about."""
    if not page:
        return None
    shown = str(subject_id or "")
    page = page.replace("{subject_id}", shown)
    return page.replace(f"{{{subject_type}_id}}", shown) if subject_type else page


def _format_moment(moment: date, *, with_time: bool) -> str:
    """``2026年11月25日 15:01`` on the Shanghai calendar (WeChat's own example has no zero padding)."""
    if isinstance(moment, datetime):
        local = clock.to_shanghai(moment)
        day = f"{local.year}年{local.month}月{local.day}日"
        return f"{day} {local:%H:%M}" if with_time else day
    return f"{moment.year}年{moment.month}月{moment.day}日"


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
