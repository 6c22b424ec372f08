"""Administration (issue 14): the area tree, staff grants, community rules."""

from flask_smorest.fields import Upload as FileField
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from miniprogram_api.fields import Id, ShanghaiDateTime
from miniprogram_api.schemas.common import text
from server.accounts.staff_passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PASSWORD_LENGTH_MESSAGE
from server.areas.models import LEVELS
from server.areas.rules import MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS, WINDOW_NAMES, windows_of

AREA_NAME_LENGTH = 64


class AreaCreateSchema(Schema):
    name = text(AREA_NAME_LENGTH, required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS[1:]))
    parent_id = Id(strict=True, required=True)


class AreaChangeSchema(Schema):
    name = text(AREA_NAME_LENGTH)
    parent_id = Id(strict=True, load_default=None, metadata={"description": "move the node (and its subtree) here"})

    @validates_schema
    def _something(self, data, **kwargs):
        if data.get("name") is None and data.get("parent_id") is None:
            raise ValidationError("请提供 name 或 parent_id", field_name="name")
        if data.get("name") == "":
            raise ValidationError("不能为空", field_name="name")


class AdminAreaSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    level = fields.String(metadata={"enum": list(LEVELS)})
    name = fields.String()
    path = fields.String(metadata={"description": 'ids from the district down: "/1/4/9/"'})
    retired_at = ShanghaiDateTime(allow_none=True, metadata={"description": "set once retired: no new content"})


class ImportFormSchema(Schema):
    file = FileField(required=True, metadata={"description": "CSV (UTF-8 or GBK) or XLSX, header row 街道,社区,网格"})
    parent_id = Id(load_default=None, metadata={"description": "the district node; default: the caller's own"})


class LevelCountsSchema(Schema):
    street = fields.Integer()
    community = fields.Integer()
    grid = fields.Integer()


class ImportResultSchema(Schema):
    created = fields.Nested(LevelCountsSchema)
    existing = fields.Nested(LevelCountsSchema, metadata={"description": "rows naming nodes already there"})


class GrantCreateSchema(Schema):
    user_id = Id(strict=True, required=True)
    role = fields.String(required=True, validate=validate.OneOf(["grid_worker", "admin"]))
    area_id = Id(strict=True, required=True)


class GrantSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    role = fields.String(metadata={"enum": ["grid_worker", "admin"]})
    area_id = fields.Integer()
    created_at = ShanghaiDateTime()


WINDOW_HELP = f"seconds, {MIN_WINDOW_SECONDS} to {MAX_WINDOW_SECONDS}; null: the setting of the same name in upper case"


def _window(**options):
    return fields.Integer(allow_none=True, metadata={"description": WINDOW_HELP}, **options)


class WindowsSchema(Schema):
    """The windows in force in a community, in seconds: its own, else the settings'."""

    review_window_seconds = fields.Integer()
    unclaimed_escalation_seconds = fields.Integer()
    claim_reminder_seconds = fields.Integer()
    claim_timeout_seconds = fields.Integer()
    confirm_window_seconds = fields.Integer()


class RulesSchema(Schema):
    area_id = fields.Integer(attribute="id")
    review_required = fields.Boolean(
        allow_none=True, metadata={"description": "null: follow the district-wide REVIEW_REQUIRED setting"}
    )
    review_window_seconds = _window()
    unclaimed_escalation_seconds = _window()
    claim_reminder_seconds = _window()
    claim_timeout_seconds = _window()
    confirm_window_seconds = _window()
    windows = fields.Function(
        lambda area: WindowsSchema().dump(windows_of(area)),
        metadata={"description": "the windows in force: the community's own, else the settings"},
    )


class RulesUpdateSchema(Schema):
    """A window left out keeps its value."""

    review_required = fields.Boolean(required=True, allow_none=True)
    review_window_seconds = _window(strict=True)
    unclaimed_escalation_seconds = _window(strict=True)
    claim_reminder_seconds = _window(strict=True)
    claim_timeout_seconds = _window(strict=True)
    confirm_window_seconds = _window(strict=True)


class ConsoleCredentialSchema(Schema):
    username = text(64, required=True)  # letters, digits and . _ - @; case is ignored
    # The shortest is checked where every password is set (server/accounts/staff_passwords.py);
    # the longest here too, so that the document states it.
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(max=MAX_PASSWORD_LENGTH, error=PASSWORD_LENGTH_MESSAGE),
        metadata={"description": f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"},
    )


class ConsoleCredentialResultSchema(Schema):
    user_id = fields.Integer()
    username = fields.String()


# -- the console's forms of the same bodies (server/console/admin.py): a form sends text, so
# its ids are read from digits; every other rule is the API schema's.


class AreaCreateForm(AreaCreateSchema):
    parent_id = Id(required=True)


class AreaChangeForm(AreaChangeSchema):
    parent_id = Id(load_default=None)


class GrantCreateForm(GrantCreateSchema):
    user_id = Id(required=True)
    area_id = Id(required=True)


WINDOW_UNITS = {"hours": 3600, "days": 24 * 3600}
REVIEW_CHOICES = {"default": None, "on": True, "off": False}

# The rules page: review as a choice; each window an amount (empty: follow the setting) and its
# unit, hours or days. ``rules_body`` turns it into RulesUpdateSchema's body.
RulesForm = Schema.from_dict(
    {
        "review": fields.String(load_default="default", validate=validate.OneOf(list(REVIEW_CHOICES))),
        **{
            name: fields.Float(load_default=None, validate=validate.Range(min=0, min_inclusive=False))
            for name in WINDOW_NAMES
        },
        **{
            f"{name}_unit": fields.String(load_default="hours", validate=validate.OneOf(list(WINDOW_UNITS)))
            for name in WINDOW_NAMES
        },
    },
    name="RulesForm",
)


def rules_body(form: dict) -> dict:
    windows = {
        name: None if form[name] is None else round(form[name] * WINDOW_UNITS[form[f"{name}_unit"]])
        for name in WINDOW_NAMES
    }
    return {"review_required": REVIEW_CHOICES[form["review"]], **windows}


def window_in_units(seconds: int | None) -> tuple[str, str]:
    """How the rules page shows a window: whole days as days, else hours."""
    if seconds is None:
        return "", "hours"
    if seconds % WINDOW_UNITS["days"] == 0:
        return str(seconds // WINDOW_UNITS["days"]), "days"
    return f"{seconds / 3600:g}", "hours"
