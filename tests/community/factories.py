"""Builders of community: places, halls, people in roles, a logged-in client, an uploaded photo."""

from __future__ import annotations

import io

import factory
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from factory.django import DjangoModelFactory
from PIL import Image

from community.models import (
    Building,
    Community,
    Compound,
    Hall,
    Membership,
    MembershipRole,
    MembershipStatus,
    ServiceBrand,
    Street,
    User,
)
from community.roles import Role

PASSWORD = "correct-horse-battery"


class StreetFactory(DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"街道{n}")


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"社区{n}")


class CompoundFactory(DjangoModelFactory):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"小区{n}")


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    compound = factory.SubFactory(CompoundFactory)
    name = factory.Sequence(lambda n: f"{n}栋")


class HallFactory(DjangoModelFactory):
    class Meta:
        model = Hall

    compound = factory.SubFactory(CompoundFactory)
    slug = factory.Sequence(lambda n: f"hall{n}")
    name = factory.Sequence(lambda n: f"议事厅{n}")
    home_name = "妇女微家"


class ServiceBrandFactory(DjangoModelFactory):
    class Meta:
        model = ServiceBrand

    hall = factory.SubFactory(HallFactory)
    name = factory.Sequence(lambda n: f"品牌{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"居民{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    hall = factory.SubFactory(HallFactory)
    status = MembershipStatus.ACTIVE


def member(hall: Hall, *roles: str, user: User | None = None, **user_kwargs) -> User:
    """An active member of `hall` holding `roles` (resident when none are given)."""
    user = user or UserFactory(**user_kwargs)
    # As `membership_request` does: the account's building, if in the hall's compound, is the one
    # the head approves with the membership (and the only one electorates and ratings read).
    place = (
        user.building if user.building and user.building.compound_id == hall.compound_id else None
    )
    membership = MembershipFactory(user=user, hall=hall, building=place)
    for role in set(roles) | {Role.RESIDENT}:
        MembershipRole.objects.create(membership=membership, role=role)
    return user


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BrowserClient(Client):
    """A test client that keeps CSRF as a browser meets it: enforced, and the token taken from
    the `csrftoken` cookie a page of ours set, sent back with every unsafe request.

    Django's plain test client skips the CSRF check, so a suite built on it never saw the API
    refuse token writes with "CSRF check Failed" (issue 11, finding 8). When no page has set the
    cookie yet, the client opens one (the privacy notice: public and light) as a person who
    arrives at a form first loads it. `send_csrf = False` makes it a browser whose page is stale or
    forged: its unsafe requests go without the token.
    """

    cookie_page = "/privacy/"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("enforce_csrf_checks", True)
        super().__init__(*args, **kwargs)
        self.send_csrf = True

    def csrf_token(self) -> str:
        """The token of the CSRF cookie, loading a page to get one when there is none yet."""
        cookie = self.cookies.get(settings.CSRF_COOKIE_NAME)
        if cookie is None or not cookie.value:
            # Client.get/post keep the request's extras for following redirects: put them back.
            extra, headers = getattr(self, "extra", None), getattr(self, "headers", None)
            self.get(self.cookie_page)
            self.extra, self.headers = extra, headers
            cookie = self.cookies[settings.CSRF_COOKIE_NAME]
        return cookie.value

    def request(self, **request):
        unsafe = request.get("REQUEST_METHOD", "GET").upper() not in SAFE_METHODS
        if unsafe and self.send_csrf and "HTTP_X_CSRFTOKEN" not in request:
            # What our forms (csrfmiddlewaretoken) and scripts (X-CSRFToken) send: the header
            # carries it for any body, form-encoded, multipart or JSON.
            request["HTTP_X_CSRFTOKEN"] = self.csrf_token()
        return super().request(**request)


def client_for(user: User | None) -> Client:
    """A browser-like test client (CSRF enforced, BrowserClient) logged in as `user`."""
    c = BrowserClient()
    if user is not None:
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def jpeg_with_gps(colour: str = "green") -> bytes:
    """A small JPEG photo carrying a GPS position in its EXIF (uploads must strip it)."""
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (23.0, 2.0, 1.0)})
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def page_queries(client: Client, url: str) -> int:
    """How many queries a GET of `url` runs (the page must answer 200)."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)
