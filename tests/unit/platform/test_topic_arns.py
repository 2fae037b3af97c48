"""Topic ARNs come from settings or from partition, account and region: never from asking SNS."""

from __future__ import annotations

import pytest

from dwp.platform import aws, catalog
from dwp.platform.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(dwp_env="test", aws_endpoint_url=None, **values)  # type: ignore[arg-type]


def test_an_arn_named_in_settings_is_used_as_given() -> None:
    arn = "arn:aws:sns:eu-west-2:111111111111:dwp-citizen-events"
    assert (
        aws.topic_arn(
            settings(dwp_topic_arns={catalog.CITIZEN_EVENTS_TOPIC: arn}), catalog.CITIZEN_EVENTS_TOPIC
        )
        == arn
    )


@pytest.mark.parametrize(
    ("region", "partition"), [("eu-west-2", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_otherwise_it_follows_from_partition_account_and_region(region: str, partition: str) -> None:
    built = aws.topic_arn(
        settings(dwp_aws_account_id="222222222222", AWS_DEFAULT_REGION=region), catalog.CLAIMS_EVENTS_TOPIC
    )
    assert built == f"arn:{partition}:sns:{region}:222222222222:{catalog.CLAIMS_EVENTS_TOPIC}"


def test_the_relay_waits_for_bootstrap_only_on_an_endpoint_that_bootstrap_makes() -> None:
    assert settings().outbox_awaits_bootstrap is False  # AWS: the CDK app made the topics
    assert Settings(dwp_env="test", aws_endpoint_url="http://127.0.0.1:4566").outbox_awaits_bootstrap
    assert settings(dwp_outbox_await_bootstrap=True).outbox_awaits_bootstrap
    local = Settings(
        dwp_env="test", aws_endpoint_url="http://127.0.0.1:4566", dwp_outbox_await_bootstrap=False
    )
    assert local.outbox_awaits_bootstrap is False


def test_topic_arns_are_read_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    arn = "arn:aws:sns:eu-west-2:333333333333:dwp-benefits-events"
    monkeypatch.setenv("DWP_TOPIC_ARNS", f'{{"{catalog.BENEFITS_EVENTS_TOPIC}": "{arn}"}}')
    assert aws.topic_arn(Settings(dwp_env="test"), catalog.BENEFITS_EVENTS_TOPIC) == arn
