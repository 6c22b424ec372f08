"""Every feature's notifications module, imported in one place so the kinds and keyword value
sources they register (server.notifications.registry) are all known: settings validate
WECHAT_SUBSCRIBE_TEMPLATES against them and the API documents the kinds. Feature packages
add their notifications module here, as they add their models to server/models.py."""

from server.activities import notifications as activities  # noqa: F401
from server.notifications import registry
from server.party import notifications as party  # noqa: F401
from server.pledges import notifications as pledges  # noqa: F401
from server.posts import notifications as posts  # noqa: F401
from server.store import notifications as store  # noqa: F401
from server.units import notifications as units  # noqa: F401
from server.wishes import notifications as wishes  # noqa: F401

KINDS = registry.kinds()
VALUE_SOURCES = registry.value_sources()
