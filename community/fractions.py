"""Fractions people mean: a hall's 0.667 is two-thirds, not 667/1000."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# A stored decimal this close to a fraction with a small denominator means that fraction.
SNAP_WITHIN = Fraction(1, 1000)
SMALLEST_DENOMINATOR = 12


def quorum_ratio(value: Decimal | str | Fraction) -> Fraction:
    """The exact ratio a quorum setting stands for (0.667 → 2/3, 0.5 → 1/2, 0.55 → 11/20)."""
    exact = value if isinstance(value, Fraction) else Fraction(Decimal(str(value)))
    simple = exact.limit_denominator(SMALLEST_DENOMINATOR)
    return simple if abs(simple - exact) < SNAP_WITHIN else exact
