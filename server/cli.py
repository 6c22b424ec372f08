"""Flask CLI commands: `flask init-db`, `flask demo`."""

import click

from server.extensions import db


def prepare_database(app, *, with_demo: bool) -> bool:
    """Create missing tables; load the demo into an empty database. True when it loaded."""
    from server import demo

    with app.app_context():
        db.create_all()
        if not with_demo or demo.is_loaded():
            return False
        demo.load()
        db.session.commit()
        return True


def register(app) -> None:
    @app.cli.command("init-db")
    def init_db():
        """Create the tables that do not exist yet."""
        prepare_database(app, with_demo=False)
        click.echo("database ready")

    @app.cli.command("demo")
    def load_demo():
        """Load the Yaozhou demo data unless the database already has areas."""
        loaded = prepare_database(app, with_demo=True)
        click.echo("demo data loaded" if loaded else "database already has data; demo not loaded")
