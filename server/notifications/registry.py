"""The kinds of notification and the keyword value sources each feature brings.

A feature registers them when its notifications module is imported (``server/notification_kinds.py``
imports every one), so this package knows every kind without importing any feature: settings
validate ``WECHAT_SUBSCRIBE_TEMPLATES`` against them and ``notify`` refuses a kind nobody declared.
"""

# What ``notify`` itself puts in every context, whatever the feature.
GENERIC_SOURCES = (
    "time",  # when the event happened
    "headline",  # the notification's title
    "body",  # the notification's body
)

_SUBJECT_OF_KIND: dict[str, str] = {}
_SOURCES: dict[str, None] = dict.fromkeys(GENERIC_SOURCES)  # insertion-ordered set


def register(subject_type: str, *, kinds, value_sources=()) -> None:
    """Declare the kinds a feature writes about its ``subject_type`` and the context keys a
    template keyword may name. A kind belongs to one subject type; registering again is a no-op."""
    for kind in kinds:
        declared = _SUBJECT_OF_KIND.setdefault(kind, subject_type)
        if declared != subject_type:
            raise ValueError(f"notification kind {kind!r} already belongs to {declared!r}")
    for source in value_sources:
        if source in GENERIC_SOURCES:
            raise ValueError(f"value source {source!r} is filled by notify itself")
        _SOURCES.setdefault(source)


def kinds() -> tuple[str, ...]:
    return tuple(sorted(_SUBJECT_OF_KIND))


def value_sources() -> tuple[str, ...]:
    return tuple(_SOURCES)


def check(kind: str, subject_type: str) -> None:
    """A kind written about the wrong subject, or never declared, is a bug: say so at once."""
    declared = _SUBJECT_OF_KIND.get(kind)
    if declared != subject_type:
        raise ValueError(f"notification kind {kind!r} is not declared for {subject_type!r} (declared: {declared!r})")
