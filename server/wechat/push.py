"""Messages WeChat pushes to us (the message-push URL set in the mini-program console).

Every push carries ``signature = sha1(sorted([token, timestamp, nonce]) joined)`` in its query
string, with the token we configured there (WECHAT_PUSH_TOKEN); the first GET with ``echostr``
is the handshake that proves we hold the token.
"""

import hashlib
import hmac


def signature_for(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def signature_ok(token: str, *, signature: str, timestamp: str, nonce: str) -> bool:
    if not token or not signature or not timestamp or not nonce:
        return False
    # Bytes: compare_digest refuses non-ASCII str, and a query string may carry anything.
    return hmac.compare_digest(signature_for(token, timestamp, nonce).encode(), signature.lower().encode())
