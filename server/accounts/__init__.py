"""Users (one per WeChat openid), their role grants, and login tokens."""
