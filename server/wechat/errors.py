"""One exception per class of WeChat failure, chosen by ``errcode`` (HTTP 200 is not success)."""


class WeChatError(Exception):
    """A failure WeChat reported, or no usable answer at all."""

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class InvalidCredential(WeChatError):
    """A single-use code (login, phone) is invalid, used, expired or its user blocked."""


class TokenExpired(WeChatError):
    """The access token was refused: drop it if it is still the cached one, fetch, retry once."""


class RateLimited(WeChatError):
    """A daily or per-minute quota is used up; worth trying again later."""


class WeChatBusy(WeChatError):
    """WeChat is busy, timed out or could not be reached; worth trying again later."""


class NotSent(WeChatBusy):
    """The call never reached WeChat (connection refused, connect timeout, no access token to
    make it with): WeChat certainly did nothing."""


class NoAnswer(WeChatBusy):
    """The call went out but no usable answer came back (read timeout, dropped connection, a
    gateway's error page): WeChat may have done what was asked."""


class RefusedByUser(WeChatError):
    """The user has not accepted (or has used up) this subscribe-message template."""


class ContentRisky(WeChatError):
    """Old-style content check verdict: the text or image is not allowed."""


class InvalidRequest(WeChatError):
    """WeChat refused what we sent (bad openid, template, page, value): final, do not retry."""


ERRCODE_CLASSES = {
    -1: WeChatBusy,
    40001: TokenExpired,
    40014: TokenExpired,
    42001: TokenExpired,
    40029: InvalidCredential,
    40163: InvalidCredential,
    40226: InvalidCredential,
    45009: RateLimited,
    45011: RateLimited,
    43101: RefusedByUser,
    87014: ContentRisky,
    40003: InvalidRequest,
    40037: InvalidRequest,
    41030: InvalidRequest,
    47001: InvalidRequest,
    47003: InvalidRequest,
    40129: InvalidRequest,
    40169: InvalidRequest,
}

# Worth another attempt later (by a job with backoff, never in a loop here).
RETRYABLE = (WeChatBusy, RateLimited)


def error_for(errcode: int, errmsg: str) -> WeChatError:
    return ERRCODE_CLASSES.get(errcode, WeChatError)(errcode, errmsg)
