"""The platform's refresh of a rotating credential (dwp.platform.secrets) on the embedded endpoint: read
once and kept, read again on a refusal, changed or not, and a secret that cannot be read is a 503."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from dwp.platform import aws
from dwp.platform.errors import DependencyUnavailable
from dwp.platform.secrets import ProviderKey, RotatingSecret

pytestmark = pytest.mark.integration


async def test_a_secret_is_read_once_and_again_only_when_refreshed(make_settings: Any) -> None:
    settings = make_settings()
    name = f"dwp/test-{uuid.uuid4().hex}"
    manager = aws.client("secretsmanager", settings)
    manager.create_secret(Name=name, SecretString='{"api_key": "first"}')
    secret = RotatingSecret(settings, name)
    assert await secret.document() == {"api_key": "first"}
    assert await secret.value() == '{"api_key": "first"}'
    assert secret.reads == 1
    assert await secret.refresh() is False  # a refusal that was no rotation: the same value
    assert secret.reads == 2
    manager.put_secret_value(SecretId=name, SecretString='{"api_key": "second"}')
    assert await secret.value() == '{"api_key": "first"}'  # kept until a refusal says otherwise
    assert await secret.refresh() is True
    assert await secret.document() == {"api_key": "second"}
    assert secret.reads == 3


async def test_a_secret_that_cannot_be_read_is_a_dependency_unavailable(make_settings: Any) -> None:
    secret = RotatingSecret(make_settings(), f"dwp/missing-{uuid.uuid4().hex}")
    with pytest.raises(DependencyUnavailable) as raised:
        await secret.value()
    assert raised.value.dependency == "secretsmanager"
    assert raised.value.retry_after == 5


async def test_a_fixed_or_local_key_never_reads_the_secret(make_settings: Any) -> None:
    fixed = ProviderKey(make_settings(), "dwp/unused", fixed="set-by-hand", local="local")
    assert await fixed.value() == "set-by-hand"
    assert await fixed.refresh() is False
    local = ProviderKey(make_settings(aws_endpoint_url=None), "dwp/unused", fixed=None, local="local")
    assert await local.value() == "local"
    assert await local.refresh() is False
    assert fixed.secret.reads == local.secret.reads == 0
