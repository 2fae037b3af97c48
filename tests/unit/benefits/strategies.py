"""Hypothesis strategies for kernel inputs: any household the batch engine accepts."""

from __future__ import annotations

from hypothesis import strategies as st

from dwp.benefits.domain import uc_kernel as k


@st.composite
def kernel_inputs(draw: st.DrawFn) -> dict[str, int]:
    couple = draw(st.integers(0, 1))
    kids = draw(st.integers(0, 6))
    pre = draw(st.integers(0, kids))
    groups = []
    left = kids
    for _ in range(4):
        g = draw(st.integers(0, left))
        groups.append(g)
        left -= g
    n_nd = draw(st.integers(0, 2))
    v = {
        "couple": couple,
        "age1": draw(st.integers(16, 65)),
        "age2": draw(st.integers(16, 120)) if couple else 0,  # a mixed-age couple: any age
        "n_children": kids,
        "n_born_before_2017": pre,
        "n_limit_exception": draw(st.integers(0, max(0, kids - 2))),
        "n_disabled_lower": draw(st.integers(0, min(1, kids))),
        "n_disabled_higher": 0,
        "capability1": draw(st.integers(0, 3)),
        "capability2": draw(st.integers(0, 3)) if couple else 0,
        "carer1": draw(st.integers(0, 1)),
        "carer2": draw(st.integers(0, 1)) if couple else 0,
        "childcare_costs": draw(st.integers(0, 250_000)) if kids else 0,
        "n_childcare_children": min(kids, draw(st.integers(1, 2))),
        "childcare_work_condition": draw(st.integers(0, 1)),
        "tenure": draw(st.integers(0, 3)),
        "rent": draw(st.integers(0, 200_000)),
        "bedrooms_in_home": draw(st.integers(1, 6)),
        "n_non_dependants": n_nd,
        "n_non_dependants_exempt": draw(st.integers(0, n_nd)),
        "non_dependant_waiver": draw(st.integers(0, 1)),
        "boys_under_10": groups[0],
        "girls_under_10": groups[1],
        "boys_10_to_15": groups[2],
        "girls_10_to_15": groups[3],
        "lha_area": 0,
        "gross_estimate": draw(st.integers(0, 1)),
        "scottish_taxpayer": draw(st.integers(0, 1)),
        "self_employed1": draw(st.integers(0, 1)),
        "self_employed2": draw(st.integers(0, 1)) if couple else 0,
        "expected_hours1": draw(st.sampled_from([16, 35])),
        "expected_hours2": draw(st.sampled_from([16, 35])),
        "jsa_weekly": draw(st.sampled_from([0, 0, 0, 9205])),
        "esa_weekly": draw(st.sampled_from([0, 0, 0, 14055])),
        "other_unearned": draw(st.integers(0, 50_000)),
        "capital": draw(st.integers(0, 1_700_000)),
        "london": draw(st.integers(0, 1)),
        "cap_exempt_benefit": draw(st.integers(0, 1)),
        "cap_grace_period": draw(st.integers(0, 1)),
        "child_benefit_weekly": 2605 + 1725 * (kids - 1) if kids else 0,
        "other_capped_benefits": draw(st.integers(0, 30_000)),
        "shared_rate_exempt": draw(st.integers(0, 1)),
        "extra_bedrooms": draw(st.integers(0, 3)),
        "grace_months_left": draw(st.integers(0, 9)),
        "qualifying_earnings_months": draw(st.integers(0, 12)),
        "surplus_months": (months := draw(st.integers(0, 6))),
        "surplus_earnings": draw(st.integers(0, 300_000)) if months else 0,
        "on_award": draw(st.integers(0, 1)),
        "owner_qualifying_months": draw(st.integers(0, 9)),
    }
    for i in ("1", "2"):
        earns = draw(st.integers(0, 400_000)) if i == "1" or couple else 0
        v["earnings" + i] = earns
        v["tax" + i] = earns // 10
        v["ni" + i] = earns // 25
        v["pension" + i] = draw(st.integers(0, earns // 20))
    assert set(v) == {name for name, *_ in k.INPUTS}
    return v
