"""How much structure a JSON body may carry, checked on its bytes before it is decoded.

The size of a body is MAX_CONTENT_LENGTH's (2 MB); within it, the decoder recurses once per
level of nesting (and fails near 1,000), and marshmallow deserialises every element of a list
before the list's own maxItems refuses it: 2 MB of ``[[1],[1],…]`` cost seconds of CPU. So
depth and the number of items are bounded here, where every body passes (StrictParser).
"""

import re

from server.core.errors import BadRequest

# Our bodies nest two levels.
MAX_JSON_DEPTH = 32
# Array elements and object members of a body, all levels together: room for the largest
# list or map a schema admits (an activity's hours, one per checked-in person), and no more
# than a request's worth of work.
MAX_JSON_ITEMS = 20_000

# A string, or an unterminated one (the rest of the body); possessive, so a miss is linear too.
_JSON_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"|".*', re.DOTALL)
_OBJECTS_AS_ARRAYS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")


def refuse_unbounded(body: bytes) -> None:
    """400 for a body nested deeper than MAX_JSON_DEPTH or holding more than MAX_JSON_ITEMS
    items, found in linear passes over its bytes instead of the decoder's recursion."""
    containers = body.count(b"[") + body.count(b"{")
    if containers <= MAX_JSON_DEPTH and containers + body.count(b",") <= MAX_JSON_ITEMS:
        return  # every usual body: too few brackets and commas, even counting those in strings
    structure = _JSON_STRING.sub(b"", body)
    if _nested_deeper_than(structure, MAX_JSON_DEPTH):
        raise BadRequest("请求内容嵌套过深", code="json_too_deep", details={"max_depth": MAX_JSON_DEPTH})
    if _items(structure) > MAX_JSON_ITEMS:
        raise BadRequest("请求内容的条目过多", code="json_too_many_items", details={"max_items": MAX_JSON_ITEMS})


def _items(structure: bytes) -> int:
    """Elements and members outside strings: a container of n items has n - 1 commas, so this
    is the commas plus the containers (an empty one counted as holding one)."""
    return structure.count(b",") + structure.count(b"[") + structure.count(b"{")


def _nested_deeper_than(structure: bytes, limit: int) -> bool:
    """Whether the arrays and objects of ``structure`` (a body with its strings left out) nest
    deeper than ``limit``: each pass drops the innermost, empty by then, so a depth of d takes
    d passes."""
    brackets = structure.translate(_OBJECTS_AS_ARRAYS, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    for depth in range(limit + 1):
        inner = brackets.replace(b"[]", b"")
        if inner == brackets:
            # What is left matches nothing; the decoder would still descend into each "[" of it.
            return depth + brackets.count(b"[") > limit
        brackets = inner
    return True
