"""Personal information at rest: phone numbers, addresses and real names are stored encrypted
(AES-GCM, 256-bit keys), and a phone number also as a keyed hash, so that a copy of the database
or of a backup names no one.

A stored value reads ``pii1:<key id>:<base64url(nonce + ciphertext)>``: each value names the key
it was written with, so ``PII_KEY_ID`` may change while old values are still read with the keys
kept in ``PII_KEYS``. The column's name is the associated data: a value copied into another
column does not decrypt. A value without the prefix is a row written before encryption and is
read as it is, until ``flask pii reencrypt`` encrypts it.

Rotation (SECURITY.md): add a new key to ``PII_KEYS``, make it ``PII_KEY_ID``, restart, run
``flask pii reencrypt``; when it reports nothing left, drop the old key.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

VERSION = "pii1"
PREFIX = VERSION + ":"
NONCE_BYTES = 12
KEY_BYTES = 32
KEY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class UnreadableValue(RuntimeError):
    """A stored value that names an unknown key or fails its authentication tag: tampered with,
    moved from another column, or written with a key no longer configured. Never shown as is."""


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def key_id_of(stored: str) -> str | None:
    """The key id an encrypted value names; None for a legacy plaintext value."""
    return stored.split(":", 2)[1] if is_encrypted(stored) else None


def encrypt(plaintext: str | None, column: str) -> str | None:
    """The stored form of ``plaintext`` in ``column`` ("table.column"); None and "" stay as they are
    (emptied contacts are compared with "")."""
    if not plaintext:
        return plaintext
    key_id = current_app.config["PII_KEY_ID"]
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key_id).encrypt(nonce, plaintext.encode(), column.encode())
    return f"{PREFIX}{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(stored: str | None, column: str) -> str | None:
    if not is_encrypted(stored):
        return stored
    try:
        _, key_id, body = stored.split(":", 2)
        raw = base64.urlsafe_b64decode(body.encode())
    except (ValueError, binascii.Error):
        raise UnreadableValue(f"{column}: a malformed encrypted value") from None
    if key_id not in current_app.config["PII_KEYS"]:
        raise UnreadableValue(f"{column}: written with key {key_id!r}, which is not in PII_KEYS")
    try:
        return _cipher(key_id).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode()).decode()
    except InvalidTag:
        raise UnreadableValue(f"{column}: a value that key {key_id!r} did not write for this column") from None


def lookup_hash(phone: str | None) -> str | None:
    """HMAC-SHA256 of the number under ``PII_HASH_KEY`` (hex): equal numbers, equal hashes, so a
    person can be found by number without decrypting every row."""
    if phone is None:
        return None
    key = current_app.config["PII_HASH_KEY"].encode()
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def decode_key(encoded: str) -> bytes:
    """A configured key: base64 (standard or URL-safe) of exactly 32 bytes."""
    key = base64.b64decode(encoded.replace("-", "+").replace("_", "/"), validate=True)
    if len(key) != KEY_BYTES:
        raise ValueError(f"{len(key)} bytes, not {KEY_BYTES}")
    return key


def new_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def _cipher(key_id: str) -> AESGCM:
    return _cipher_for(current_app.config["PII_KEYS"][key_id])


@functools.lru_cache(maxsize=16)
def _cipher_for(encoded: str) -> AESGCM:
    return AESGCM(decode_key(encoded))
