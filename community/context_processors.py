from django.conf import settings

from community.selectors import home_hall


def site(request):
    """The home hall for the header (lazily), and whether to ask for the privacy notice."""
    user = getattr(request, "user", None)
    privacy_pending = bool(
        user is not None
        and user.is_authenticated
        and user.privacy_version != settings.PRIVACY_NOTICE_VERSION
    )
    return {"site_hall": home_hall, "privacy_pending": privacy_pending}
