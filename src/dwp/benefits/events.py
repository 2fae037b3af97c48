"""What the benefits service tells the rest of the platform, always through its outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.benefits.repository import Assessment, outbox
from dwp.contracts.events import BenefitAssessed
from dwp.platform.catalog import BENEFITS_EVENTS_TOPIC
from dwp.platform.outbox import record_event

SOURCE = "benefits"


async def benefit_assessed(session: AsyncConnection, assessment: Assessment) -> str:
    event = BenefitAssessed(
        assessment_id=assessment.id,
        claim_id=assessment.claim_id,
        benefit="universal_credit",
        period_start=assessment.period_start.isoformat(),
        period_end=assessment.period_end.isoformat(),
        award_pence=assessment.award_pence,
    )
    return await record_event(session, outbox, topic=BENEFITS_EVENTS_TOPIC, event=event, source=SOURCE)
