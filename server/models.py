"""Every model module, imported in one place so the metadata (create_all, migrations) is whole.
Feature packages add their models module here."""

from server.accounts import models as accounts  # noqa: F401
from server.activities import models as activities  # noqa: F401
from server.announcements import models as announcements  # noqa: F401
from server.areas import models as areas  # noqa: F401
from server.idempotency import models as idempotency  # noqa: F401
from server.jobs import models as jobs  # noqa: F401
from server.notifications import models as notifications  # noqa: F401
from server.party import models as party  # noqa: F401
from server.pledges import models as pledges  # noqa: F401
from server.points import models as points  # noqa: F401
from server.posts import models as posts  # noqa: F401
from server.ratelimits import models as ratelimits  # noqa: F401
from server.stats import models as stats  # noqa: F401
from server.store import models as store  # noqa: F401
from server.units import models as units  # noqa: F401
from server.uploads import models as uploads  # noqa: F401
from server.wechat import models as wechat  # noqa: F401
from server.wishes import models as wishes  # noqa: F401
