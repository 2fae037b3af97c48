"""The payment system (a Bacs bureau or Faster Payments gateway), called through `platform.http`.

Submitting is safe to retry: every instruction carries its own id, and the payment system answers an id
it has seen as it did the first time and never pays it again, so `idempotent=True` lets the resilient
client retry a submission whose answer was lost. Locally it is the payment system simulator
(`dwp.simulators.payments`); its key is `DWP_PAYMENT_SYSTEM_KEY` (the simulator's local one by default).
"""

from __future__ import annotations

import os
from typing import Protocol

from dwp.contracts.payments import InstructionAnswer, PaymentInstructionShape, ReturnsPage, SubmissionAnswer
from dwp.platform.http import ResilientClient, UpstreamRejected
from dwp.platform.settings import Settings

UPSTREAM = "payment-system"
LOCAL_KEY = "local-payment-system-key"


class PaymentSystem(Protocol):
    async def submit(self, instructions: list[PaymentInstructionShape]) -> list[InstructionAnswer]: ...

    async def find(self, instruction_id: str) -> InstructionAnswer | None:
        """What the system did with one instruction; None if it never received it."""
        ...

    async def returns(self, after: str | None) -> ReturnsPage: ...


class HttpPaymentSystem:
    def __init__(self, client: ResilientClient, key: str) -> None:
        self._client = client
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpPaymentSystem:
        key = os.environ.get("DWP_PAYMENT_SYSTEM_KEY", LOCAL_KEY)
        return cls(ResilientClient.for_service(UPSTREAM, settings), key)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def submit(self, instructions: list[PaymentInstructionShape]) -> list[InstructionAnswer]:
        body = {"instructions": [i.model_dump(mode="json") for i in instructions]}
        response = await self._client.request(
            "POST", "/v1/submissions", json=body, bearer=self._key, idempotent=True
        )
        return SubmissionAnswer.model_validate_json(response.content).answers

    async def find(self, instruction_id: str) -> InstructionAnswer | None:
        try:
            response = await self._client.request(
                "GET", f"/v1/instructions/{instruction_id}", bearer=self._key
            )
        except UpstreamRejected as exc:
            if exc.status == 404:
                return None
            raise
        return InstructionAnswer.model_validate_json(response.content)

    async def returns(self, after: str | None) -> ReturnsPage:
        params = {"after": after} if after else None
        response = await self._client.request("GET", "/v1/returns", params=params, bearer=self._key)
        return ReturnsPage.model_validate_json(response.content)
