"""The HTTP API the mini-program calls (DESIGN §4). Views parse, call one operation or
query, and serialise; the rules live in `server/`."""

from miniprogram_api import accounts, areas, health, points, stats, wishes

BLUEPRINTS = (health.blp, accounts.blp, areas.blp, wishes.blp, points.blp, stats.blp)


def register(api) -> None:
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
