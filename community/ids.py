"""Row ids as the databases store them (a signed 64-bit integer): anything larger names nothing."""

MAX_ID = 2**63 - 1


def is_row_id(value: int | None) -> bool:
    """Whether `value` can be the primary key of a row (1 … 2**63 - 1)."""
    return value is not None and 0 < value <= MAX_ID


def parse_row_id(text: str) -> int | None:
    """The id `text` writes in ASCII digits, or None. (`"²".isdigit()` is true, yet `int()`
    refuses it: a 500 where a filter or form read ids that way.) An id past 2**63 stays as
    written: a lookup by it matches nothing, as it should."""
    return int(text) if text.isascii() and text.isdigit() else None
