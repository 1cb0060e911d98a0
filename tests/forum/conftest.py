import pytest


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hashing passwords properly takes ~0.3 s per person; these tests create many people."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded photos go to a temporary folder, not the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"
