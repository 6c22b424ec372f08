"""A download's Content-Disposition: the Chinese name for browsers that read RFC 5987's
``filename*``, and an ASCII name for those that do not."""

from urllib.parse import quote


def attachment(filename: str, ascii_fallback: str) -> str:
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
