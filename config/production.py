"""A district deployment. Start-up refuses the development defaults (server.settings)."""

DEMO_DATA = False
# The real WeChat server API (an outbound proxy may replace it).
WECHAT_API_BASE = "https://api.weixin.qq.com"
# The console's session cookie travels over HTTPS only.
SESSION_COOKIE_SECURE = True
