"""Request and response schemas, one module per resource: the same classes validate requests
and write the OpenAPI document, so the two cannot drift. Unknown fields are refused
(marshmallow's default)."""
