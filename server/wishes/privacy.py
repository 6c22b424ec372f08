"""Masking of a wish's address for viewers who may not see it (the phone: server/core/privacy.py)."""


def mask_address(address: str) -> str:
    # Keep the estate or street (about the first third) so helpers know roughly where.
    keep = min(6, len(address) // 3)
    return f"{address[:keep]}****"
