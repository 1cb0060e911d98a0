"""The demo's year with every piece of user-entered text made non-Chinese.

The demo (demo/year.py) gives every page something to show. Its content is Chinese, as a real
hall's is; here each Chinese character of stored data is moved to a private-use character (one
for one, so lengths and uniqueness hold). Whatever Chinese an English page then shows comes from
the interface — templates, Python, scripts — and not from what people typed.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.i18n.cjk import unchinese_all_data


@pytest.fixture(scope="module")
def demo_year(django_db_setup, django_db_blocker):
    """seed_demo once for the module, its text made non-Chinese; the tables emptied afterwards."""
    with django_db_blocker.unblock():
        try:
            call_command("seed_demo", "--quiet")
            unchinese_all_data()
            yield
        finally:
            call_command("flush", "--no-input", verbosity=0)
