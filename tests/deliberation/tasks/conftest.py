import pytest

from tests.deliberation.tasks.factories import task_world


@pytest.fixture
def w():
    """A hall with an effective resolution and the people tasks involve (factories.task_world)."""
    return task_world()
