"""The payment system (a Bacs bureau or Faster Payments gateway), called through `platform.http`.

Submitting is safe to retry: every instruction carries its own id, and the payment system answers an id
it has seen as it did the first time and never pays it again, so `idempotent=True` lets the resilient
client retry a submission whose answer was lost. Locally it is the payment system simulator
(`dwp.simulators.payments`). Its key is the Secrets Manager secret `catalog.PAYMENT_SYSTEM_KEY_SECRET`,
read when first needed and again when the payment system refuses it (401: rotated), and the call is sent
once more only if the key changed; `DWP_PAYMENT_SYSTEM_KEY` fixes it instead, and locally with no AWS
endpoint it is the simulator's local key.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import httpx

from dwp.contracts.payments import InstructionAnswer, PaymentInstructionShape, ReturnsPage, SubmissionAnswer
from dwp.platform import catalog
from dwp.platform.http import ResilientClient, UpstreamRejected
from dwp.platform.secrets import ProviderKey
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
    def __init__(self, client: ResilientClient, key: str | ProviderKey) -> None:
        self._client = client
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpPaymentSystem:
        key = ProviderKey(
            settings,
            catalog.PAYMENT_SYSTEM_KEY_SECRET,
            fixed=os.environ.get("DWP_PAYMENT_SYSTEM_KEY"),
            local=LOCAL_KEY,
        )
        return cls(ResilientClient.for_service(UPSTREAM, settings), key)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        key = self._key
        if isinstance(key, str):
            return await self._client.request(method, path, bearer=key, **kwargs)
        try:
            return await self._client.request(method, path, bearer=await key.value(), **kwargs)
        except UpstreamRejected as exc:
            # Refused before anything was done (401): safe to send again, once, if the key changed.
            if exc.status != 401 or not await key.refresh():
                raise
        return await self._client.request(method, path, bearer=await key.value(), **kwargs)

    async def submit(self, instructions: list[PaymentInstructionShape]) -> list[InstructionAnswer]:
        body = {"instructions": [i.model_dump(mode="json") for i in instructions]}
        response = await self._request("POST", "/v1/submissions", json=body, idempotent=True)
        return SubmissionAnswer.model_validate_json(response.content).answers

    async def find(self, instruction_id: str) -> InstructionAnswer | None:
        try:
            response = await self._request("GET", f"/v1/instructions/{instruction_id}")
        except UpstreamRejected as exc:
            if exc.status == 404:
                return None
            raise
        return InstructionAnswer.model_validate_json(response.content)

    async def returns(self, after: str | None) -> ReturnsPage:
        params = {"after": after} if after else None
        response = await self._request("GET", "/v1/returns", params=params)
        return ReturnsPage.model_validate_json(response.content)
