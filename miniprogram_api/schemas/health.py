"""Liveness and readiness."""

from marshmallow import Schema, fields


class LivenessSchema(Schema):
    status = fields.String()


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
