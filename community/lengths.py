"""Length limits of what people write, from the model fields: checked by services, not the database.

SQLite stores any length; PostgreSQL refuses (a 500). Each service checks its texts against the
fields they go to, and answers in Chinese which field is too long.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def too_long(model, errors: dict[str, list[str]], **values: str) -> None:
    """Add an error to `errors` for each value longer than its field's `max_length`."""
    for name, value in values.items():
        limit = model._meta.get_field(name).max_length
        if limit is not None and value is not None and len(value) > limit:
            errors.setdefault(name, []).append(
                _("%(field)s不能超过 %(n)d 字（现在 %(len)d 字）。")
                % {
                    "field": model._meta.get_field(name).verbose_name,
                    "n": limit,
                    "len": len(value),
                }
            )
