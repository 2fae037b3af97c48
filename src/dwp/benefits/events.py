"""What the benefits service tells the rest of the platform, always through the unit of work's outbox."""

from __future__ import annotations

from dwp.benefits.domain.assessment import Assessment
from dwp.contracts.events import BenefitAssessed
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
