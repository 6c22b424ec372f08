"""Photos residents and party members upload: checked by content, stripped of location,
stored, sent to WeChat's image check, hidden when the verdict is risky or review."""
