"""Masking of the private fields for viewers who may not see them."""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_address(address: str) -> str:
    # Keep the estate or street (about the first third) so helpers know roughly where.
    keep = min(6, len(address) // 3)
    return f"{address[:keep]}****"
