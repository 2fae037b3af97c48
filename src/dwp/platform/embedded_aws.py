"""The embedded AWS endpoint for local runs and tests: moto's server on one port.

moto (with flask and werkzeug) is the `local` extra: no image holds it, so it is imported only when an
endpoint is made; `wait_for_port` and `port_is_free` serve `dwp up` without it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from dwp.platform import catalog

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

KEYS_FILE = "embedded-aws-keys.json"


class EmbeddedAws:
    """moto in a thread of the current process; `dwp up` runs it in a process of its own.

    moto forgets everything when it stops, but the data in `.dwp/` outlives it: a NINO sealed under
    one run's KMS key must open in the next. With `keys_dir`, the PII key (its id and material) and the
    blind-index secret are kept in a file there and put back into moto at start, so that they are the
    same in every run. (moto has no API to choose a key's id or material, so its backend is seeded
    directly; moto is pinned in the lock file.)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 4566,
        *,
        keys_dir: Path | None = None,
        region: str = "eu-west-2",
    ) -> None:
        self.host, self.port = host, port
        self._keys_dir = keys_dir
        self._region = region
        from moto.server import ThreadedMotoServer

        self._server: ThreadedMotoServer = ThreadedMotoServer(ip_address=host, port=port, verbose=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmbeddedAws:
        if self._keys_dir is not None:
            self._restore_keys(self._keys_dir)
        self._server.start()
        wait_for_port(self.host, self.port, timeout=10)
        return self

    def stop(self) -> None:
        self._server.stop()

    def _restore_keys(self, keys_dir: Path) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.kms.models import kms_backends
        from moto.secretsmanager.models import secretsmanager_backends

        state = _load_or_create_keys(keys_dir / KEYS_FILE)
        kms = kms_backends[DEFAULT_ACCOUNT_ID][self._region]
        if not kms.alias_exists(catalog.PII_KEY_ALIAS):
            key = kms.create_key(
                None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "DWP PII envelope encryption", None
            )
            del kms.keys[key.id]
            key.arn = key.arn.replace(key.id, state["pii_key_id"])
            key.id = state["pii_key_id"]
            key.key_material = base64.b64decode(state["pii_key_material"])
            kms.keys[key.id] = key
            kms.create_alias(key.id, catalog.PII_KEY_ALIAS)
        manager = secretsmanager_backends[DEFAULT_ACCOUNT_ID][self._region]
        if catalog.BLIND_INDEX_SECRET not in manager.secrets:
            manager.create_secret(
                name=catalog.BLIND_INDEX_SECRET,
                secret_string=state["blind_index_key"],
                secret_binary=None,
                description="Key of the NINO blind index",
                tags=None,
                kms_key_id=None,
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )


def _load_or_create_keys(path: Path) -> dict[str, str]:
    if path.exists():
        return dict(json.loads(path.read_text()))
    import uuid

    state = {
        "pii_key_id": str(uuid.uuid4()),
        "pii_key_material": base64.b64encode(os.urandom(32)).decode(),
        "blind_index_key": secrets.token_hex(32),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(state))
    return state


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"nothing is listening on {host}:{port} after {timeout}s")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
