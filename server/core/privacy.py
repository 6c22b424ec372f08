"""Masking of private fields shared by features: a phone number is a person's (accounts) and
a wish's contact (wishes); a name is shown masked on certificates, rosters and reports."""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_name(name: str) -> str:
    """The first character and a star for each of the rest: 刘党员 -> 刘**."""
    name = (name or "").strip()
    if not name:
        return "志愿者"
    return name[0] + "*" * max(1, len(name) - 1)
