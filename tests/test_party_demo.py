"""The demo echoes the report: units allocated to Hongqi community with members reporting
from them, practical matters with progress notes, and demo-resident's application pending."""

from sqlalchemy import func, select

from server.accounts.models import User
from server.app import create_app
from server.core.extensions import db
from server.entrypoints.cli import prepare_database
from server.party.figures import figures_of
from server.party.models import MembershipApplication
from server.units.models import MatterNote, PracticalMatter, UnitOrganisation


def test_the_demo_has_units_in_hongqi_with_members_matters_with_notes_and_a_pending_application(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/demo.db"}, env_name="development")
    assert prepare_database(app, with_demo=True) is True
    with app.app_context():
        units = db.session.scalars(select(UnitOrganisation).order_by(UnitOrganisation.id)).all()
        assert {"区委办党支部", "耀州区人民医院党委", "耀州中学党总支"} <= {unit.name for unit in units}
        figures = figures_of([unit.id for unit in units])
        assert all(figures[unit.id]["members"] >= 2 for unit in units)
        assert sum(figure["wishes_fulfilled"] for figure in figures.values()) >= 1
        assert db.session.scalar(select(func.count()).select_from(PracticalMatter)) >= 4
        assert db.session.scalar(select(func.count()).select_from(MatterNote)) >= 4
        resident = db.session.scalar(select(User).where(User.openid == "demo-resident"))
        pending = db.session.scalars(
            select(MembershipApplication.status).where(MembershipApplication.user_id == resident.id)
        ).all()
        assert pending == ["pending"]
        db.engine.dispose()
