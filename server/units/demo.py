"""Demo: some of the report's 105 unit party organisations allocated to Hongqi community, and
practical matters agreed at the joint meeting (联席会议) with their progress notes."""

from datetime import date

from sqlalchemy import select

from server.accounts.models import User
from server.areas.models import Area
from server.core.extensions import db
from server.units import operations
from server.units.models import UnitOrganisation

# (name, kind, contact, phone, agreement date)
UNITS = [
    ("区委办党支部", "office", "孙主任", "13909190001", date(2026, 3, 1)),
    ("耀州区人民医院党委", "hospital", "赵院长", "13909190002", date(2026, 3, 1)),
    ("耀州中学党总支", "school", "钱校长", "13909190003", date(2026, 3, 8)),
    ("区供电分公司党支部", "company", "李经理", "13909190004", date(2026, 4, 2)),
    ("区税务局党支部", "office", "周科长", "13909190005", date(2026, 4, 2)),
]

# (title, description, owner unit, deadline, [(note, status it moves to)])
MATTERS = [
    (
        "老旧小区加装电梯",
        "为红旗社区3号楼、5号楼加装电梯，方便老人上下楼。",
        "区委办党支部",
        date(2027, 6, 30),
        [("已完成居民意见征集，同意率92%。", "in_progress"), ("设计方案已通过评审。", None)],
    ),
    (
        "社区义诊进楼院",
        "每月组织医生到社区开展一次义诊，为老人测血压、血糖。",
        "耀州区人民医院党委",
        date(2026, 12, 31),
        [("第一次义诊已开展，服务居民86人。", "in_progress")],
    ),
    (
        "四点半课堂",
        "放学后为双职工家庭的孩子提供作业辅导。",
        "耀州中学党总支",
        date(2026, 9, 1),
        [("课堂已开班，每周一至周五开放。", "in_progress"), ("本学期课堂顺利结束。", "done")],
    ),
    ("楼道线路改造", "排查并更换老旧楼道电线，消除安全隐患。", "区供电分公司党支部", date(2027, 3, 31), []),
]


def load() -> dict[str, UnitOrganisation]:
    """The units (by name) and matters; each operation committed as a request would."""
    hongqi = db.session.scalar(select(Area).where(Area.name == "红旗社区", Area.level == "community"))
    worker = db.session.scalar(select(User).where(User.openid == "demo-grid-worker"))
    resident = db.session.scalar(select(User).where(User.openid == "demo-resident"))
    secretary = db.session.scalar(select(User).where(User.openid == "demo-party-member-1"))
    units = {}
    for name, kind, contact, phone, agreed in UNITS:
        units[name] = operations.register_unit(
            worker,
            community_id=hongqi.id,
            name=name,
            kind=kind,
            contact_name=contact,
            contact_phone=phone,
            agreement_on=agreed,
            secretary_id=secretary.id if kind == "hospital" else None,
        )
        db.session.commit()
    for title, description, owner, deadline, notes in MATTERS:
        matter = operations.create_matter(
            worker,
            community_id=hongqi.id,
            title=title,
            description=description,
            owner_unit_id=units[owner].id,
            deadline=deadline,
        )
        operations.follow(matter, resident)
        db.session.commit()
        for body, status in notes:
            operations.add_note(matter, worker, body=body, status=status)
            db.session.commit()
    return units
