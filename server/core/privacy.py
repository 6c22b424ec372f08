"""Masking of private fields shared by features: a phone number is a person's (accounts) and
a wish's contact (wishes)."""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
