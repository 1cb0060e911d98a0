"""The API's error answers, one shape (`{"detail": …}`), documented on every operation.

`answers(ok, *codes)` builds an operation's `response=`: its success schema and the error
answers it really gives, so /api/v1/openapi.json lists every status code a client can meet
(tests/security/test_api_schema.py holds the API to it):

- 400: a service refused the request (the reason in `detail`, per field in `errors`), or the
  body is not JSON;
- 401: no valid token or session; 403: not allowed (the reason in `detail`);
- 404: no such object (or not one the caller may see); 422: the parameters or body do not have
  the documented types (`detail` lists each problem).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.parser import Parser

from realtime.protocol import unstorable_text


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class InvalidOut(Schema):
    detail: list[dict[str, Any]]


ERROR_SCHEMAS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: InvalidOut,
}


def refuse_unstorable(value: Any) -> Any:
    """Refuse (400, with the reason) JSON or parameters holding a NUL or a lone surrogate."""
    if unstorable_text(value):
        raise ValidationError(
            _("内容含有无法保存的字符（空字符或残缺的文字编码），请删去后再提交。")
        )
    return value


class StorableTextParser(Parser):
    """Ninja's parser, refusing text no database can store (PostgreSQL: a 500 otherwise)."""

    def parse_body(self, request):
        return refuse_unstorable(super().parse_body(request))

    def parse_querydict(self, data, list_fields, request):
        return refuse_unstorable(super().parse_querydict(data, list_fields, request))


def answers(ok: Any, *codes: int) -> dict[int, Any]:
    """An operation's `response=`: `ok` (a schema for 200, or a {status: schema} mapping) and
    the error answers `codes`."""
    out = dict(ok) if isinstance(ok, dict) and all(isinstance(k, int) for k in ok) else {200: ok}
    out.update({code: ERROR_SCHEMAS[code] for code in codes})
    return out
