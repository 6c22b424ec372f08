"""The points store (积分超市) in the console: the shelf with prices and stock, a new reward,
restocking, the redemptions, handing an item over against its pick-up code (核销), and
calling a redemption off."""

from flask import flash, g, redirect, render_template, request, url_for

from miniprogram_api.schemas.store import (
    CancelSchema,
    MyRedemptionsQuery,
    RestockSchema,
    RewardCreateSchema,
    VerifySchema,
)
from server.console import auth, form_values, scope
from server.console.blueprint import blp
from server.console.forms import place_page, submitted
from server.core.extensions import db
from server.core.privacy import mask_name
from server.store import operations, permissions, queries
from server.store.models import STORE_LEVELS

PAGE_ROWS = 30
REDEMPTION_NAMES = {"pending": "待领取", "collected": "已领取", "cancelled": "已取消"}


@blp.get("/store")
@auth.staff_required
def store():
    args = place_page()
    area = scope.chosen(g.user, args["area_id"], may_see=permissions.is_store_staff)
    rows, next_cursor = queries.rewards_at(area, status="active", cursor=args["cursor"], limit=PAGE_ROWS)
    return render_template(
        "console/store/rewards.html",
        rows=rows,
        area=area,
        areas=scope.nodes(g.user, with_communities=True),
        stores=scope.nodes(g.user, levels=STORE_LEVELS, with_communities=True),
        next_cursor=next_cursor,
    )


@blp.post("/store/rewards")
@auth.staff_required
def reward_create():
    body = form_values.body(integers=("area_id", "price_points", "stock"))
    reward = operations.create_reward(g.user, **submitted(RewardCreateSchema(), form=body))
    db.session.commit()
    flash(f"商品“{reward.title}”已上架", "success")
    return redirect(url_for("console.store", area_id=reward.area_id), code=303)


@blp.post("/store/rewards/<id:reward_id>/restock")
@auth.staff_required
def reward_restock(reward_id):
    body = submitted(RestockSchema(), form=form_values.body(integers=("quantity",)))
    reward = operations.restock(operations.get_reward(reward_id), g.user, **body)
    db.session.commit()
    flash(f"“{reward.title}”已补货，现有库存 {reward.stock}", "success")
    return redirect(url_for("console.store"), code=303)


@blp.post("/store/verify")
@auth.staff_required
def redemption_verify():
    code = submitted(VerifySchema())["code"]
    redemption = operations.redemption_with_code(g.user, code)
    operations.verify(redemption, g.user, code=code)
    db.session.commit()
    flash(f"核销成功：{mask_name(redemption.user_nickname)} 领取“{redemption.reward_title}”", "success")
    return redirect(url_for("console.redemptions"), code=303)


@blp.get("/store/redemptions")
@auth.staff_required
def redemptions():
    args = submitted(MyRedemptionsQuery(exclude=("limit",)), form=request.args)  # the API's ?status=&cursor=
    status = args["status"]
    rows, next_cursor = queries.staff_redemptions(
        g.user, area=None, reward_id=None, status=status, cursor=args["cursor"], limit=PAGE_ROWS
    )
    shown = [{"row": row, "name": mask_name(row.user_nickname), "state": REDEMPTION_NAMES[row.status]} for row in rows]
    return render_template(
        "console/store/redemptions.html",
        rows=shown,
        status=status,
        statuses=REDEMPTION_NAMES,
        next_cursor=next_cursor,
    )


@blp.post("/store/redemptions/<id:redemption_id>/cancel")
@auth.staff_required
def redemption_cancel(redemption_id):
    body = submitted(CancelSchema())
    redemption = operations.get_redemption_to_act_on(g.user, redemption_id)
    operations.cancel(redemption, g.user, **body)
    db.session.commit()
    flash(f"已取消兑换“{redemption.reward_title}”，积分已退回", "success")
    return redirect(url_for("console.redemptions"), code=303)
