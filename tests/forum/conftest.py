import pytest

from tests.community.factories import member


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded photos go to a temporary folder, not the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(hall, people):
    """Everyone of the `people` fixture, and the author of the proposal under test."""
    return {**people, "author": member(hall, username="p_author")}
