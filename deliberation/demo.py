"""Demo data of this app, added by `seed_demo`; must be idempotent."""


def seed(*, hall, users) -> None:
    """Create this app's demo data (nothing yet)."""
