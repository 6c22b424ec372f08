"""The overview of an area node: counts by status and the three rates."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from miniprogram_api.fields import Id

REPORTING_DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31), error="日期应在 2000–2099 年之间")


class AreaDatesQuery(Schema):
    """``?area_id=&from=&to=``: a node of the tree and an optional range of Shanghai dates."""

    area_id = Id(load_default=None)
    date_from = fields.Date(data_key="from", load_default=None, validate=REPORTING_DATES)
    date_to = fields.Date(data_key="to", load_default=None, validate=REPORTING_DATES)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["date_from"] and data["date_to"] and data["date_from"] > data["date_to"]:
            raise ValidationError("结束日期不能早于开始日期", "to")


class StatsQuery(AreaDatesQuery):
    pass


class RateSchema(Schema):
    value = fields.Float(allow_none=True, metadata={"description": "numerator / denominator; null when 0/0"})
    numerator = fields.Integer()
    denominator = fields.Integer()


class OverviewSchema(Schema):
    area_id = fields.Integer()
    date_from = fields.Date(data_key="from", allow_none=True, attribute="from")
    date_to = fields.Date(data_key="to", allow_none=True, attribute="to")
    total = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    response_rate = fields.Nested(RateSchema)
    resolution_rate = fields.Nested(RateSchema)
    satisfaction_rate = fields.Nested(RateSchema)
