"""Who may see a photo: it follows from the wishes that use it."""

from server.accounts.models import User
from server.uploads.models import Upload
from server.wishes import permissions as wish_permissions
from server.wishes.models import Wish


def can_view(user: User, upload: Upload, wishes: list[Wish]) -> bool:
    """Staff in scope of a wish using it always; while not hidden by a verdict, also its owner
    and anyone who may view such a wish. A hidden photo that no wish uses is seen by no one."""
    if any(wish_permissions.is_staff(user, wish) for wish in wishes):
        return True
    if upload.hidden:
        return False
    return user.id == upload.owner_id or any(wish_permissions.can_view(user, wish) for wish in wishes)
