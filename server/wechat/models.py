from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.dbtypes import UTCDateTime
from server.core.extensions import db


class WeChatToken(db.Model):
    """The one access token per appid that every web worker and the scheduler share."""

    __tablename__ = "wechat_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(String(512), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
