"""The demo's points store: Hongqi's shelf stocked by units, and a pending redemption the demo
grid worker can hand over."""

from sqlalchemy import select

from server.app import create_app
from server.areas.models import Area
from server.core.extensions import db
from server.entrypoints.cli import prepare_database
from server.points import queries as points
from server.store.models import Redemption, Reward


def test_the_demo_stocks_hongqis_shelf_and_the_grid_worker_hands_over_its_pending_redemption(tmp_path, fake_wechat):
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
        hongqi = db.session.execute(select(Area).where(Area.name == "红旗社区")).scalar_one()
        rewards = db.session.scalars(select(Reward)).all()
        assert {reward.area_id for reward in rewards} == {hongqi.id}
        assert {"大米一袋", "理发服务一次", "家政服务券"} <= {reward.title for reward in rewards}
        assert all(reward.stock > 0 for reward in rewards)
        assert {"区供电分公司", "区市场监管局", "区住建局"} <= {reward.donor_name for reward in rewards}
        redemption = db.session.execute(select(Redemption)).scalar_one()
        assert redemption.status == "pending"
        assert points.balance(redemption.user_id) >= 0

    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"code": "dev:demo-grid-worker"}).get_json()["token"]
    response = client.post(
        f"/api/v1/redemptions/{redemption.id}/verify",
        json={"code": redemption.code},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "collected"
