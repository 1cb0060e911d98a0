"""Forms that ask for a typed word ask for an English one in English."""

from __future__ import annotations

import pytest
from django.conf import settings

from community.models import User
from tests.community.factories import UserFactory, client_for

pytestmark = pytest.mark.django_db


def test_a_phone_account_in_english_types_delete_to_close_itself():
    user = UserFactory(username="phone-only")
    user.set_unusable_password()
    user.save()
    c = client_for(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = c.get("/me/delete/").content.decode()
    assert "“DELETE”" in page
    assert c.post("/me/delete/", {"password": "keep"}).status_code == 200
    assert User.objects.get(pk=user.pk).is_active
    assert c.post("/me/delete/", {"password": "delete"}).status_code == 302
    assert not User.objects.get(pk=user.pk).is_active
