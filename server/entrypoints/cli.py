"""Flask CLI commands: `flask init-db`, `flask demo`, `flask admin create`, `flask admin set-password`,
`flask outbox send`, `flask pii new-key`, `flask pii reencrypt` (and `flask db`, from Flask-Migrate;
`flask jobs`, `flask scheduler` from server.jobs)."""

import click
from sqlalchemy import inspect

from server.core.extensions import db


class DatabaseNotMigrated(click.ClickException):
    """Tables exist but Alembic never ran on them: upgrading would try to create them again."""


def prepare_database(app, *, with_demo: bool) -> bool:
    """Upgrade the schema to the newest migration; load the demo into an empty database.
    True when the demo was loaded."""
    from flask_migrate import upgrade

    from server.entrypoints import demo

    with app.app_context():
        _refuse_unversioned_tables()
        upgrade()
        if not with_demo:
            return False
        loaded = not demo.is_loaded()
        if loaded:
            demo.load()
        demo.give_console_staff_passwords()
        db.session.commit()
        return loaded


def _refuse_unversioned_tables() -> None:
    tables = set(inspect(db.engine).get_table_names())
    if tables and "alembic_version" not in tables:
        raise DatabaseNotMigrated(
            f"the database at {db.engine.url.render_as_string(hide_password=True)} has tables but no migration "
            "history (made before migrations existed). A development database only holds demo data: delete it "
            "and start again. Otherwise, if its schema matches the first migration, `flask db stamp <revision>`."
        )


def register(app) -> None:
    from server.jobs import cli as jobs_cli

    jobs_cli.register(app)

    @app.cli.command("init-db")
    def init_db():
        """Upgrade the schema to the newest migration (as `flask db upgrade`)."""
        prepare_database(app, with_demo=False)
        click.echo("database ready")

    @app.cli.command("demo")
    def load_demo():
        """Load the Yaozhou demo data unless the database already has areas."""
        loaded = prepare_database(app, with_demo=True)
        click.echo("demo data loaded" if loaded else "database already has data; demo not loaded")

    @app.cli.group("admin")
    def admin():
        """Administration of a new installation."""

    @admin.command("create")
    @click.option("--openid", required=True, help="the first admin's WeChat openid (they log in with it)")
    @click.option("--district", default=None, help="the district node's name, made when missing (e.g. 耀州区)")
    def admin_create(openid, district):
        """Make the first admin, of the district node, on a database that has no admin yet."""
        from server.administration.operations import FirstAdminRefused, create_first_admin

        with app.app_context():
            try:
                grant = create_first_admin(openid.strip(), district.strip() if district else None)
            except FirstAdminRefused as exc:
                db.session.rollback()
                raise click.ClickException(str(exc)) from None
            db.session.commit()
            click.echo(f"admin {openid} of area {grant.area_id} ({grant.area.name}) created")

    @admin.command("set-password")
    @click.option("--openid", required=True, help="the staff member's WeChat openid")
    @click.option("--username", required=True, help="the console username they sign in with")
    def admin_set_password(openid, username):
        """Set a staff member's console username and password (the first admin's; admins set
        the others' in the console). The password is asked for, never taken from the command
        line, where the shell's history and the process list would keep it."""
        from server.administration.operations import FirstAdminRefused, set_staff_password_by_openid
        from server.core.errors import AppError

        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
        with app.app_context():
            try:
                credential = set_staff_password_by_openid(openid.strip(), username, password)
            except FirstAdminRefused as exc:
                db.session.rollback()
                raise click.ClickException(str(exc)) from None
            except AppError as exc:
                db.session.rollback()
                raise click.ClickException(exc.message) from None
            db.session.commit()
            click.echo(f"console username {credential.username} set for {openid}; sign in at /console/login")

    @app.cli.group("outbox")
    def outbox():
        """The outbox of WeChat subscribe messages."""

    @outbox.command("send")
    @click.option("--batch-size", type=click.IntRange(1, 1000), default=None, help="rows to claim (OUTBOX_BATCH_SIZE)")
    def outbox_send(batch_size):
        """Send the subscribe messages that are due, once, and print what became of them."""
        from server.notifications.sender import send_due

        if not app.config["WECHAT_API_BASE"]:
            raise click.ClickException(
                "WECHAT_API_BASE is empty: point FLASK_WECHAT_API_BASE at WeChat or a running fake "
                "(python -m server.wechat.fake --port 8901); nothing was sent"
            )
        counts = send_due(batch_size=batch_size)
        click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))

    @app.cli.group("pii")
    def pii_group():
        """Encryption of personal information at rest (server/core/pii.py)."""

    @pii_group.command("new-key")
    def pii_new_key():
        """Print a fresh random key for PII_KEYS (base64 of 32 bytes)."""
        from server.core import pii

        click.echo(pii.new_key())

    @pii_group.command("reencrypt")
    @click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, help="rows per commit")
    @click.option("--rehash", is_flag=True, help="recompute every phone_hash (after PII_HASH_KEY changed)")
    def pii_reencrypt(batch_size, rehash):
        """Rewrite every value not under PII_KEY_ID (and every legacy plaintext value) under it;
        run it after changing PII_KEY_ID, then drop the old key from PII_KEYS."""
        from server.privacy import reencryption

        with app.app_context():
            counts = reencryption.reencrypt(batch_size=batch_size)
            if rehash:
                counts["users.phone_hash"] = reencryption.rehash(batch_size=batch_size)
        for column, count in counts.items():
            click.echo(f"{column}: {count} rewritten")
        click.echo(f"every value is now under key {app.config['PII_KEY_ID']!r}")
