"""Generated households in the batch column layout, for the benchmark and the agreement tests.

Every column is drawn straight into its narrow dtype (`uc_kernel.INPUTS`) so that 8 million households
fit in well under a gigabyte. The mix is broad rather than representative: every rule gets exercised.
"""

from __future__ import annotations

import numpy as np

from dwp.benefits.domain import uc_kernel as k

LHA_AREAS = 152
"""Broad rental market areas in England; each gets a row of monthly LHA rates."""


def lha_table(seed: int = 7) -> np.ndarray:
    """Monthly LHA rates (pence) per area: shared, 1, 2, 3, 4 bedrooms, rising with the rooms."""
    rng = np.random.default_rng(seed)
    base = rng.integers(30_000, 90_000, size=(LHA_AREAS, 1))
    steps = np.array([[0.0, 1.5, 1.9, 2.3, 2.9]])
    return (base * steps + np.where(steps == 0, base, 0)).astype(np.int64)


def _flag(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    return (rng.random(n, dtype=np.float32) < p).astype(np.int8)


def _money(rng: np.random.Generator, n: int, p: float, low: int, high: int) -> np.ndarray:
    values = rng.integers(low, high, size=n, dtype=np.int32)
    values[rng.random(n, dtype=np.float32) >= p] = 0
    return values


def _up_to(rng: np.random.Generator, limit: np.ndarray) -> np.ndarray:
    """A uniform draw in 0..limit for each element (limit is a small non-negative int8 array)."""
    return (rng.random(len(limit), dtype=np.float32) * (limit.astype(np.float32) + 1)).astype(np.int8)


def households(n: int, seed: int = 1) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """`n` generated households as kernel input columns, and each one's rates-year index (0 or 1)."""
    rng = np.random.default_rng(seed)
    c: dict[str, np.ndarray] = {}
    c["couple"] = _flag(rng, n, 0.3)
    c["age1"] = rng.integers(18, 66, size=n, dtype=np.int8)
    c["age2"] = rng.integers(18, 66, size=n, dtype=np.int8) * c["couple"]
    kids = np.minimum(rng.poisson(1.0, size=n), 6).astype(np.int8)
    c["n_children"] = kids
    c["n_born_before_2017"] = _up_to(rng, kids)
    c["n_limit_exception"] = _up_to(rng, np.maximum(kids - 2, 0).astype(np.int8)) * _flag(rng, n, 0.2)
    c["n_disabled_lower"] = np.minimum(kids, _flag(rng, n, 0.06))
    c["n_disabled_higher"] = np.minimum(kids - c["n_disabled_lower"], _flag(rng, n, 0.03)).astype(np.int8)
    c["capability1"] = (rng.integers(0, 4, size=n, dtype=np.int8) * _flag(rng, n, 0.35)).astype(np.int8)
    c["capability2"] = (rng.integers(0, 4, size=n, dtype=np.int8) * _flag(rng, n, 0.2) * c["couple"]).astype(
        np.int8
    )
    c["carer1"] = _flag(rng, n, 0.1)
    c["carer2"] = _flag(rng, n, 0.1) * c["couple"]
    has_kids = kids > 0
    c["childcare_costs"] = _money(rng, n, 0.2, 10_000, 250_000) * has_kids
    c["n_childcare_children"] = np.minimum(kids, rng.integers(1, 3, size=n, dtype=np.int8))
    c["childcare_work_condition"] = _flag(rng, n, 0.7)
    c["tenure"] = rng.integers(0, 3, size=n, dtype=np.int8)
    c["rent"] = rng.integers(30_000, 180_000, size=n, dtype=np.int32) * (c["tenure"] > 0)
    c["bedrooms_in_home"] = rng.integers(1, 6, size=n, dtype=np.int8)
    c["n_non_dependants"] = (rng.integers(0, 3, size=n, dtype=np.int8) * _flag(rng, n, 0.15)).astype(np.int8)
    c["n_non_dependants_exempt"] = _up_to(rng, c["n_non_dependants"])
    c["non_dependant_waiver"] = _flag(rng, n, 0.05)
    # Split the children into the size-criteria groups; whoever is left over is 16 or over.
    left = kids.copy()
    for name in ("boys_under_10", "girls_under_10", "boys_10_to_15", "girls_10_to_15"):
        c[name] = _up_to(rng, left)
        left = (left - c[name]).astype(np.int8)
    c["lha_area"] = rng.integers(0, LHA_AREAS, size=n, dtype=np.int16)
    for i in ("1", "2"):
        earns = _money(rng, n, 0.5, 1_000, 400_000)
        if i == "2":
            earns *= c["couple"]
        c["earnings" + i] = earns
        c["tax" + i] = (earns // 10).astype(np.int32)
        c["ni" + i] = (earns // 25).astype(np.int32)
        c["pension" + i] = (earns // 33 * _flag(rng, n, 0.5)).astype(np.int32)
    c["gross_estimate"] = _flag(rng, n, 0.1)
    c["scottish_taxpayer"] = _flag(rng, n, 0.08)
    c["self_employed1"] = _flag(rng, n, 0.05)
    c["self_employed2"] = _flag(rng, n, 0.05) * c["couple"]
    c["expected_hours1"] = np.where(_flag(rng, n, 0.3) == 1, 16, 35).astype(np.int8)
    c["expected_hours2"] = np.where(_flag(rng, n, 0.3) == 1, 16, 35).astype(np.int8)
    c["jsa_weekly"] = _money(rng, n, 0.04, 7_000, 9_600)
    c["esa_weekly"] = _money(rng, n, 0.04, 7_000, 15_000)
    c["other_unearned"] = _money(rng, n, 0.1, 100, 80_000)
    c["capital"] = _money(rng, n, 0.25, 0, 2_000_000)
    c["london"] = _flag(rng, n, 0.13)
    c["cap_exempt_benefit"] = _flag(rng, n, 0.15)
    c["cap_grace_period"] = _flag(rng, n, 0.03)
    child_benefit = 2605 + 1725 * (kids.astype(np.int32) - 1)
    c["child_benefit_weekly"] = np.where(has_kids, child_benefit, 0).astype(np.int32)
    c["other_capped_benefits"] = _money(rng, n, 0.05, 100, 50_000)
    year = rng.integers(0, 2, size=n, dtype=np.int8)
    # Drawn last, so the columns drawn before it are the same households as before it existed.
    c["shared_rate_exempt"] = _flag(rng, n, 0.05)
    c["extra_bedrooms"] = _flag(rng, n, 0.03)
    c["grace_months_left"] = (_flag(rng, n, 0.02) * rng.integers(1, 10, size=n, dtype=np.int8)).astype(
        np.int8
    )
    c["qualifying_earnings_months"] = rng.integers(0, 13, size=n, dtype=np.int8)
    surplus = _flag(rng, n, 0.01)
    c["surplus_earnings"] = (surplus * rng.integers(1, 500_000, size=n)).astype(np.int32)
    c["surplus_months"] = (surplus * rng.integers(1, 7, size=n)).astype(np.int8)
    c["on_award"] = _flag(rng, n, 0.9)
    # Owner-occupiers with service charges (UC Regs 2013 Sch 5): some households without rent, drawn
    # last like the columns above; `rent` then holds the monthly service charges.
    owner = _flag(rng, n, 0.05) * (c["tenure"] == 0)
    c["tenure"] = np.where(owner == 1, 3, c["tenure"]).astype(np.int8)
    c["rent"] = np.where(owner == 1, rng.integers(2_000, 40_000, size=n), c["rent"]).astype(np.int32)
    c["owner_qualifying_months"] = (owner * rng.integers(0, 10, size=n)).astype(np.int8)
    return {name: c[name] for name, *_ in k.INPUTS}, year
