"""The HTTP API the mini-program calls (DESIGN §4). Views parse, call one operation or
query, and serialise; the rules live in `server/`."""

from miniprogram_api import (
    accounts,
    activities,
    admin,
    announcements,
    areas,
    health,
    notifications,
    party,
    pledges,
    points,
    posts,
    privacy,
    stats,
    store,
    units,
    uploads,
    wechat_push,
    wishes,
)
from miniprogram_api.fields import IdConverter, id_parameter_schema

BLUEPRINTS = (health.blp, accounts.blp, areas.blp, wishes.blp, points.blp, stats.blp)
# Photos (issue 3): the upload API, the signed media links, WeChat's push.
BLUEPRINTS += (uploads.blp, uploads.media_blp, wechat_push.blp)
# Inbox and subscribe messages (issue 3).
BLUEPRINTS += (notifications.blp,)
# Scheduled jobs in the console (issue 4).
BLUEPRINTS += (admin.blp,)
# Party identity, unit organisations and practical matters (issue 13).
BLUEPRINTS += (party.blp, units.blp)
# Service posts, pledges and announcements (issue 13).
BLUEPRINTS += (posts.blp, pledges.blp, announcements.blp)
# Volunteer activities and the volunteer record (issue 13).
BLUEPRINTS += (activities.blp, activities.record_blp)
# The points store (issue 13).
BLUEPRINTS += (store.blp,)
# Personal information: notice, export, erasure (issue 15).
BLUEPRINTS += (privacy.blp,)


def register(app, api) -> None:
    app.url_map.converters["id"] = IdConverter
    api.register_converter(IdConverter, id_parameter_schema)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(activities.certificate_pages)  # an HTML page, outside the API document
