"""Who hears what, in one table, and how a notification becomes a subscribe message.

``RULES`` maps each wish action to the notifications it causes: a kind (also the key of its
subscribe template in the ``WECHAT_SUBSCRIBE_TEMPLATES`` setting), the audience, and the
Chinese title and body. The actor never hears of their own action, and each person hears of
one event once (the first rule that reaches them wins, so list personal audiences first).

Nothing here touches the database: the texts are filled from a plain context dict.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from server import clock

# Audiences, resolved against the wish after the transition (server.notifications.operations).
OWNER = "owner"
CLAIMER = "claimer"  # the claimer after the event (claim, assign, confirm, dispute)
FORMER_CLAIMER = "former_claimer"  # the claimer the event removed (release, resolve to open)
GRID_WORKERS = "grid_workers"  # grid worker grants covering the wish's grid
COMMUNITY_ADMINS = "community_admins"  # admin grants on the community the wish's grid is in

STATUS_NAMES = {
    "pending_review": "待审核",
    "open": "待认领",
    "rejected": "未通过",
    "cancelled": "已撤销",
    "claimed": "已认领",
    "fulfilled": "待确认",
    "confirmed": "已完成",
    "disputed": "有异议",
    "closed": "已关闭",
}

RESOLUTION_NAMES = {"completed": "已完成", "unresolved": "未解决", "duplicate": "重复提交", "invalid": "无效心愿"}


def _by_person(event) -> bool:
    return event.actor_id is not None


def _by_system(event) -> bool:
    return event.actor_id is None


def _to(status: str) -> Callable:
    return lambda event: event.to_status == status


@dataclass(frozen=True)
class Rule:
    kind: str
    audience: str
    title: str
    body: str
    when: Callable | None = None

    def applies(self, event) -> bool:
        return self.when is None or self.when(event)

    def render(self, context: dict) -> tuple[str, str]:
        return self.title, _cut(self.body.format(**context), 500)


RULES: dict[str, tuple[Rule, ...]] = {
    "post": (
        Rule(
            "wish_to_review",
            GRID_WORKERS,
            "新心愿待审核",
            "居民{actor}发布了心愿「{title}」（{number}），请及时审核。",
            when=_to("pending_review"),
        ),
    ),
    "approve": (Rule("wish_approved", OWNER, "心愿已通过审核", "您的心愿「{title}」已通过审核，正在等待党员认领。"),),
    "reject": (Rule("wish_rejected", OWNER, "心愿未通过审核", "您的心愿「{title}」未通过审核，原因：{note}"),),
    "claim": (Rule("wish_claimed", OWNER, "心愿已被认领", "党员{claimer}认领了您的心愿「{title}」，会尽快与您联系。"),),
    "assign": (
        Rule("wish_assigned", CLAIMER, "网格员给您指派了心愿", "网格员将心愿「{title}」指派给您，请及时联系居民。"),
        Rule("wish_claimed", OWNER, "心愿已指派党员", "网格员已将您的心愿「{title}」指派给党员{claimer}。"),
    ),
    "release": (
        Rule("wish_released", OWNER, "心愿重新等待认领", "您的心愿「{title}」已被释放，重新等待党员认领。"),
        Rule(
            "claim_released",
            FORMER_CLAIMER,
            "您的认领已被释放",
            "网格员释放了您认领的心愿「{title}」。",
            when=_by_person,
        ),
        Rule(
            "claim_released",
            FORMER_CLAIMER,
            "认领超时已释放",
            "您认领的心愿「{title}」超过期限未完成，已自动释放，并按规则扣减积分。",
            when=_by_system,
        ),
    ),
    "fulfil": (
        Rule("wish_fulfilled", OWNER, "心愿已完成，请确认", "党员{claimer}已完成您的心愿「{title}」，请确认并评价。"),
    ),
    "confirm": (
        Rule(
            "wish_confirmed",
            CLAIMER,
            "居民确认了您的服务",
            "居民确认心愿「{title}」已完成，评价{stars}星，积分已计入。",
            when=_by_person,
        ),
        Rule(
            "wish_confirmed",
            CLAIMER,
            "心愿已自动确认",
            "心愿「{title}」已过确认期限，系统自动确认完成，积分已计入。",
            when=_by_system,
        ),
    ),
    "dispute": (
        Rule(
            "wish_disputed",
            CLAIMER,
            "居民对完成情况有异议",
            "居民对心愿「{title}」提出异议，网格员将协调处理。异议：{note}",
        ),
        Rule("dispute_to_handle", GRID_WORKERS, "有异议待处理", "心愿「{title}」（{number}）的发布人提出异议：{note}"),
    ),
    "resolve": (
        Rule(
            "dispute_resolved",
            OWNER,
            "异议已处理",
            "网格员已处理心愿「{title}」的异议：认定为已完成。",
            when=_to("confirmed"),
        ),
        Rule(
            "dispute_resolved",
            CLAIMER,
            "异议已处理",
            "网格员已处理心愿「{title}」的异议：认定为已完成，积分已计入。",
            when=_to("confirmed"),
        ),
        Rule(
            "dispute_resolved",
            OWNER,
            "异议已处理",
            "网格员已处理心愿「{title}」的异议：心愿重新开放认领。",
            when=_to("open"),
        ),
        Rule(
            "dispute_resolved",
            FORMER_CLAIMER,
            "异议已处理",
            "网格员已处理心愿「{title}」的异议：心愿重新开放，您的认领已解除。",
            when=_to("open"),
        ),
    ),
    "close": (Rule("wish_closed", OWNER, "心愿已关闭", "您的心愿「{title}」已关闭，处理结果：{resolution}。"),),
    # Reminders of the scheduled sweeps (server/wishes/tasks.py): timeline events by the
    # system that leave the status as it was.
    "review_overdue": (
        Rule(
            "review_overdue", GRID_WORKERS, "心愿审核已超时", "心愿「{title}」（{number}）已超过审核时限，请尽快审核。"
        ),
        Rule(
            "review_overdue",
            COMMUNITY_ADMINS,
            "心愿审核已超时",
            "心愿「{title}」（{number}）已超过审核时限仍未审核，请督促网格员处理。",
        ),
    ),
    "escalate": (
        Rule(
            "wish_escalated",
            GRID_WORKERS,
            "心愿长时间无人认领",
            "心愿「{title}」（{number}）长时间无人认领，请协调党员认领或指派。",
        ),
    ),
    "claim_reminder": (
        Rule(
            "claim_reminder",
            CLAIMER,
            "认领的心愿即将超时",
            "您认领的心愿「{title}」尚未完成，请尽快完成，超时将自动释放并扣减积分。",
        ),
    ),
}

KINDS = tuple(sorted({rule.kind for rules in RULES.values() for rule in rules}))

# What a template keyword may be filled with (the ``data`` of a WECHAT_SUBSCRIBE_TEMPLATES entry).
VALUE_SOURCES = (
    "number",  # the wish's public number
    "title",  # the wish's title
    "category",  # its category name
    "status",  # its status after the event, as a short phrase (待认领)
    "time",  # when the event happened
    "headline",  # the notification's title
    "body",  # the notification's body
    "note",  # the event's note (reason, comment), or 无
    "actor",  # who acted (nickname), or 系统
    "claimer",  # the claimer's nickname
)


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
        return _cut(text, TEXT_LIMITS["thing"]) or "无"
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
    return _cut(text, 20)  # an unknown type: the strictest common limit


def render_data(keywords: dict, context: dict) -> dict:
    """``{"thing2": "title", …}`` with a context -> ``{"thing2": "帮忙取降压药", …}``, fitted."""
    return {key: fit_value(key, context.get(source)) for key, source in keywords.items()}


def render_page(page: str | None, wish_id: int | None) -> str | None:
    if not page:
        return None
    return page.replace("{wish_id}", str(wish_id or ""))


def _format_moment(moment: date, *, with_time: bool) -> str:
    """``2026年11月25日 15:01`` on the Shanghai calendar (WeChat's own example has no zero padding)."""
    if isinstance(moment, datetime):
        local = clock.to_shanghai(moment)
        day = f"{local.year}年{local.month}月{local.day}日"
        return f"{day} {local:%H:%M}" if with_time else day
    return f"{moment.year}年{moment.month}月{moment.day}日"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
