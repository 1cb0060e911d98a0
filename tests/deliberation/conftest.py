import pytest


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """These tests create many accounts; hashing their passwords slowly proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
