"""marshmallow's messages in Simplified Chinese, for every schema of the product.

A refused field's message reaches residents (the mini-program shows ``details``) and staff (the
console flashes it), so marshmallow's English defaults are replaced here, once, on the classes
themselves. It must run before any schema class is defined: fields copy their messages when
they are made, and ``Range`` writes its own when it is made. ``server/__init__.py`` imports it,
so anything importing the product gets it first. A field or validator given its own message
keeps it.
"""

from marshmallow import Schema, fields, validate
from marshmallow.fields import _TemporalField

_FIELDS = {
    fields.Field: {"required": "缺少必填字段", "null": "不能为空", "validator_failed": "取值无效"},
    fields.String: {"invalid": "应为字符串", "invalid_utf8": "不是有效的 UTF-8 字符串"},
    fields.Number: {"invalid": "应为数字", "too_large": "数值过大"},
    fields.Integer: {"invalid": "应为整数"},
    fields.Float: {"special": "不允许 NaN 或无穷大"},
    fields.Decimal: {"special": "不允许 NaN 或无穷大"},
    fields.Boolean: {"invalid": "应为布尔值（true 或 false）"},
    fields.List: {"invalid": "应为列表"},
    fields.Tuple: {"invalid": "应为列表"},
    fields.Mapping: {"invalid": "应为对象"},
    fields.Nested: {"type": "应为对象"},
    fields.Email: {"invalid": "不是有效的电子邮件地址"},
    fields.URL: {"invalid": "不是有效的网址"},
    fields.UUID: {"invalid_uuid": "不是有效的 UUID"},
    fields.Enum: {"unknown": "应为以下之一：{choices}"},
    _TemporalField: {
        "invalid": "日期或时间格式无效",
        "invalid_awareness": "日期或时间的时区无效",
        "format": "无法格式化为日期或时间",
    },
    fields.Date: {"invalid": "日期格式无效，应为 YYYY-MM-DD", "format": "无法格式化为日期"},
    fields.TimeDelta: {"invalid": "时长无效", "format": "无法格式化为时长"},
}

_VALIDATORS = {
    validate.Length: {
        "message_min": "长度不能少于 {min}",
        "message_max": "长度不能超过 {max}",
        "message_all": "长度应在 {min} 到 {max} 之间",
        "message_equal": "长度应为 {equal}",
    },
    # Range formats its messages with these words when it is made.
    validate.Range: {
        "message_min": "应{min_op} {{min}}",
        "message_max": "应{max_op} {{max}}",
        "message_all": "应{min_op} {{min}} 且{max_op} {{max}}",
        "message_gte": "大于或等于",
        "message_gt": "大于",
        "message_lte": "小于或等于",
        "message_lt": "小于",
    },
    validate.OneOf: {"default_message": "应为以下之一：{choices}"},
    validate.Regexp: {"default_message": "格式不正确"},
    validate.Equal: {"default_message": "应等于 {other}"},
    validate.NoneOf: {"default_message": "取值无效"},
    validate.Predicate: {"default_message": "取值无效"},
    validate.ContainsOnly: {"default_message": "包含不允许的选项，应在以下之中：{choices}"},
    validate.ContainsNoneOf: {"default_message": "包含不允许的选项：{values}"},
    validate.Email: {"default_message": "不是有效的电子邮件地址"},
    validate.URL: {"default_message": "不是有效的网址"},
}

for field_class, messages in _FIELDS.items():
    # Each class's own dict, so a subclass's English entry cannot win over its parent's.
    field_class.default_error_messages = {**field_class.__dict__.get("default_error_messages", {}), **messages}
for validator_class, messages in _VALIDATORS.items():
    for name, message in messages.items():
        setattr(validator_class, name, message)
Schema._default_error_messages = {"type": "应为 JSON 对象", "unknown": "不允许的字段"}
