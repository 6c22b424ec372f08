"""Scheduled jobs as admins see them."""

from marshmallow import Schema, fields

from miniprogram_api.fields import ShanghaiDateTime


class JobSchema(Schema):
    id = fields.String(metadata={"description": "the job's stable id, e.g. claim_timeout"})
    description = fields.String()
    schedule = fields.String(metadata={"description": "interval (JOB_INTERVAL_SECONDS) or daily HH:MM Asia/Shanghai"})
    available = fields.Boolean(metadata={"description": "false while the job's function is not installed"})
    last_started_at = ShanghaiDateTime(allow_none=True)
    last_finished_at = ShanghaiDateTime(allow_none=True)
    last_outcome = fields.String(allow_none=True, metadata={"description": "ok, error: …, or unavailable: …"})
    rows_touched = fields.Integer(allow_none=True)
    next_run_at = ShanghaiDateTime(allow_none=True)


class JobListSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one page"})
