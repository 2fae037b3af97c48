"""What the benefits service tells the rest of the platform, always through the unit of work's outbox."""

from __future__ import annotations

from dwp.benefits.domain.assessment import Assessment
from dwp.contracts.events import AssessedRef, BenefitAssessed, BenefitsBatchAssessed
from dwp.platform.catalog import BENEFITS_EVENTS_TOPIC
from dwp.platform.uow import Outbox

SOURCE = "benefits"


async def benefit_assessed(outbox: Outbox, assessment: Assessment) -> str:
    event = BenefitAssessed(
        assessment_id=assessment.id,
        claim_id=assessment.claim_id,
        benefit="universal_credit",
        period_start=assessment.period_start.isoformat(),
        period_end=assessment.period_end.isoformat(),
        award_pence=assessment.award_pence,
    )
    return await outbox.add(BENEFITS_EVENTS_TOPIC, event)


async def batch_assessed(outbox: Outbox, batch_id: str, assessments: list[Assessment]) -> str:
    """One event for a page of the batch route (docs/benefits.md says why not one per assessment)."""
    event = BenefitsBatchAssessed(
        batch_id=batch_id,
        benefit="universal_credit",
        assessments=[
            AssessedRef(
                assessment_id=a.id,
                claim_id=a.claim_id,
                period_start=a.period_start.isoformat(),
                period_end=a.period_end.isoformat(),
                award_pence=a.award_pence,
            )
            for a in assessments
        ],
    )
    return await outbox.add(BENEFITS_EVENTS_TOPIC, event)
