"""Row ids as the databases store them (a signed 64-bit integer): anything larger names nothing."""

MAX_ID = 2**63 - 1


def is_row_id(value: int | None) -> bool:
    """Whether `value` can be the primary key of a row (1 … 2**63 - 1)."""
    return value is not None and 0 < value <= MAX_ID
