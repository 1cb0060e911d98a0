from django.conf import settings

from community.selectors import home_hall

# The device's choice of 长辈模式："1" on, "0" off; absent, the person's profile decides.
ELDER_COOKIE = "elder_mode"


def elder_mode_of(request) -> bool:
    """Whether pages are drawn in 长辈模式 for this request (the device first, then the person)."""
    device = request.COOKIES.get(ELDER_COOKIE)
    if device in ("0", "1"):
        return device == "1"
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.elder_mode)


def site(request):
    """The home hall for the header (lazily), and whether to ask for the privacy notice."""
    user = getattr(request, "user", None)
    privacy_pending = bool(
        user is not None
        and user.is_authenticated
        and user.privacy_version != settings.PRIVACY_NOTICE_VERSION
    )
    return {
        "site_hall": home_hall,
        "privacy_pending": privacy_pending,
        "elder_mode": elder_mode_of(request),
    }
