"""Service posts (设岗定责): defining one, the lists with holders, taking and leaving one."""

from marshmallow import Schema, fields, validate

from miniprogram_api.fields import Id, ShanghaiDateTime
from miniprogram_api.schemas.common import PageQuery, PersonSchema, text
from server.posts.models import KINDS


class PostCreateSchema(Schema):
    community_id = Id(strict=True, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    title = text(50, required=True)
    duties = text(1000, required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))


class PostListQuery(PageQuery):
    area_id = Id(load_default=None, metadata={"description": "a node; its subtree's posts (default: home community)"})
    kind = fields.String(load_default=None, validate=validate.OneOf(list(KINDS)))
    short = fields.Boolean(load_default=False, metadata={"description": "true: only posts with places free"})


class HolderPersonSchema(PersonSchema):
    since = ShanghaiDateTime()


class PostSchema(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    community_name = fields.String()
    kind = fields.String(metadata={"enum": list(KINDS)})
    kind_name = fields.Function(lambda post: KINDS[post["kind"]])
    title = fields.String()
    duties = fields.String()
    capacity = fields.Integer(metadata={"description": "how many people the post needs"})
    held = fields.Integer(metadata={"description": "how many hold it"})
    short = fields.Function(
        lambda post: post["capacity"] - post["held"], metadata={"type": "integer", "description": "needed − held"}
    )
    holders = fields.List(fields.Nested(HolderPersonSchema))
    created_at = ShanghaiDateTime()


class PostListSchema(Schema):
    items = fields.List(fields.Nested(PostSchema))
    next_cursor = fields.String(allow_none=True)


class TakePostSchema(Schema):
    member_id = Id(
        strict=True,
        load_default=None,
        metadata={"description": "staff: the verified party member appointed; omitted: the caller takes it"},
    )


class HolderSchema(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    user_id = fields.Integer()
    appointed_by = fields.Integer(allow_none=True, metadata={"description": "the staff member; null: self"})
    created_at = ShanghaiDateTime()


class ShortageQuery(Schema):
    area_id = Id(required=True)


class CommunityShortageSchema(Schema):
    community_id = fields.Integer()
    community_name = fields.String()
    posts = fields.Integer()
    needed = fields.Integer()
    held = fields.Integer()
    short = fields.Integer(metadata={"description": "places needed − held"})
    posts_short = fields.Integer(metadata={"description": "posts with places free"})


class ShortageSchema(Schema):
    items = fields.List(fields.Nested(CommunityShortageSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one row per community"})


class KindSchema(Schema):
    kind = fields.String()
    name = fields.String()


class KindListSchema(Schema):
    items = fields.List(fields.Nested(KindSchema))
    next_cursor = fields.String(allow_none=True)
