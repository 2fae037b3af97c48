"""The monthly run's side of the page routes: what it reads of the benefits batch answer is the
contract's, the Idempotency-Key is the same for the same page and differs for any other, and a 422
problem's pointers pick out the refused items."""

from __future__ import annotations

import typing
from datetime import date

from dwp.benefits.schemas import AssessmentBatchItem
from dwp.contracts import benefits as contract
from dwp.platform.http.errors import UpstreamRejected
from dwp.workers.monthly import _Assessed, _Batch, batch_key, refused_items

DAY = date(2026, 12, 1)


def test_what_the_run_reads_is_in_the_contract_and_what_it_sends_is_the_benefits_model() -> None:
    assert set(_Assessed.model_fields) <= set(typing.get_type_hints(contract.BatchAssessment))
    assert set(_Batch.model_fields) <= set(typing.get_type_hints(contract.AssessmentBatch))
    assert set(typing.get_type_hints(contract.AssessmentBatchItemPayload)) == set(
        AssessmentBatchItem.model_fields
    )


def test_the_key_is_the_page_and_nothing_else() -> None:
    page: contract.AssessmentBatchPayload = {
        "items": [{"claim_id": "c-1", "circumstances": {"adults": [{"date_of_birth": "1990-01-01"}]}}]
    }
    same = {"items": [{"circumstances": {"adults": [{"date_of_birth": "1990-01-01"}]}, "claim_id": "c-1"}]}
    assert batch_key(DAY, page) == batch_key(DAY, same)  # type: ignore[arg-type]
    assert batch_key(DAY, page) != batch_key(date(2026, 12, 2), page)
    other = {"items": [{**page["items"][0], "carried_state": {"grace_months_left": 3}}]}
    assert batch_key(DAY, page) != batch_key(DAY, other)  # type: ignore[arg-type]
    assert len(batch_key(DAY, page)) <= 200  # the benefits route's Idempotency-Key limit


def test_the_refused_items_are_read_from_the_problems_pointers() -> None:
    problem = {
        "status": 422,
        "errors": [
            {"pointer": "#/items/3/circumstances/adults/0/date_of_birth"},
            {"pointer": "#/items/12"},
            {"pointer": "#/items/99/claim_id"},  # not in a page of 20
            {"pointer": "#/items"},
            "not an object",
        ],
    }
    refused = UpstreamRejected("refused", status=422, problem=problem, upstream="benefits")
    assert refused_items(refused, 20) == {3, 12}
    assert refused_items(UpstreamRejected("x", status=409, problem=problem, upstream="benefits"), 20) == set()
    assert refused_items(ValueError("x"), 20) == set()
