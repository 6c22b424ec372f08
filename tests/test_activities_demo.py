"""The demo's activities (DESIGN §5): service done with hours credited to the demo party
members, one upcoming in Hongqi grid 1 with places free, this month's party day everywhere."""

from sqlalchemy import func, select

from server.accounts.models import User
from server.activities.models import Activity, Signup
from server.app import create_app
from server.areas.models import Area
from server.core import clock
from server.core.extensions import db
from server.entrypoints.cli import prepare_database
from server.points.models import PointEntry


def test_the_demo_has_past_service_credited_an_upcoming_activity_with_places_and_this_months_party_day(
    tmp_path, fake_wechat
):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/demo.db",
            "WECHAT_API_BASE": fake_wechat.base_url,
            "WECHAT_APPID": "wx-test-appid",
            "WECHAT_SECRET": "wx-test-secret",
        },
        env_name="development",
    )
    assert prepare_database(app, with_demo=True) is True

    with app.app_context():
        now = clock.now()
        hongqi_1 = db.session.scalar(select(Area).where(Area.name == "红旗社区第1网格"))
        activities = db.session.scalars(select(Activity).where(Activity.party_month.is_(None))).all()
        past = [activity for activity in activities if activity.completed_at is not None]
        upcoming = [activity for activity in activities if activity.starts_at > now]
        assert len(past) >= 3 and all(activity.area_id == hongqi_1.id for activity in activities)
        assert len(upcoming) == 1 and upcoming[0].held < upcoming[0].capacity

        credited = db.session.scalar(
            select(func.count(func.distinct(Signup.user_id)))
            .join(User, User.id == Signup.user_id)
            .where(Signup.credited_minutes > 0, User.openid.like("demo-party-member%"))
        )
        assert credited >= 10
        assert db.session.scalar(select(func.count()).where(PointEntry.reason == "volunteer_hours")) >= credited

        communities = db.session.scalar(select(func.count()).where(Area.level == "community"))
        this_month = clock.shanghai_today().replace(day=1)
        party_days = db.session.scalar(select(func.count()).where(Activity.party_month == this_month))
        assert party_days == communities == 6
