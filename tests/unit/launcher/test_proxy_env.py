"""`dwp up` makes the web app the one proxy the gateway trusts, as the load balancer is on AWS."""

from __future__ import annotations

import sys

import pytest

from dwp.launcher import BFF_SOURCE_ADDRESS, proxy_env
from dwp.platform.settings import Settings


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="127.0.0.2 is a loopback address on Linux")
def test_the_gateway_trusts_the_web_apps_own_address_and_no_other_local_caller() -> None:
    gateway, frontend = proxy_env("gateway", {}), proxy_env("frontend", {})
    assert frontend == {"DWP_FRONTEND_SOURCE_ADDRESS": BFF_SOURCE_ADDRESS}
    trusted = Settings(dwp_trusted_proxies=gateway["DWP_TRUSTED_PROXIES"]).trusted_proxies
    assert trusted == [f"{BFF_SOURCE_ADDRESS}/32"]
    assert "127.0.0.1" not in gateway["DWP_TRUSTED_PROXIES"]  # the tests' and tools' own address
    for other in ("citizen", "identity", "claims", "one-login"):
        assert proxy_env(other, {}) == {}


def test_proxies_set_by_hand_are_left_alone() -> None:
    assert proxy_env("gateway", {"DWP_TRUSTED_PROXIES": "10.0.0.0/24"}) == {}
    assert proxy_env("frontend", {"DWP_TRUSTED_PROXIES": "10.0.0.0/24"}) == {}
