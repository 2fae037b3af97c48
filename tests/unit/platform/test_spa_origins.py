"""The evidence bucket's CORS origins: the SPA's address, as the browser sees it."""

from __future__ import annotations

import pytest

from dwp.platform import catalog
from dwp.platform.aws import spa_origins
from dwp.platform.settings import Settings


def test_an_offset_dwp_up_s_frontend_is_an_allowed_origin_without_its_url_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `dwp up` bootstraps in the launcher's own process: DWP_FRONTEND_URL is only in its children's.
    monkeypatch.delenv(catalog.process("frontend").url_setting, raising=False)
    monkeypatch.delenv("DWP_FRONTEND_PUBLIC_URL", raising=False)
    port = catalog.process("frontend").port + 23000
    assert spa_origins(Settings(dwp_port_offset=23000)) == [
        f"http://127.0.0.1:{port}",
        f"http://localhost:{port}",
    ]


def test_a_frontend_url_and_a_public_address_are_allowed_as_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(catalog.process("frontend").url_setting, "http://127.0.0.1:9100")
    monkeypatch.setenv("DWP_FRONTEND_PUBLIC_URL", "https://apply.example.gov.uk/")
    assert spa_origins(Settings()) == [
        "http://127.0.0.1:9100",
        "http://localhost:9100",
        "https://apply.example.gov.uk",
    ]
