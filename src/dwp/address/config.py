"""The address service's own settings (beside the platform's): where OS Places is, its key, the cache."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from dwp.platform import catalog
from dwp.platform.secrets import RotatingSecret
from dwp.platform.settings import Settings

LOCAL_OS_PLACES_KEY = "local-os-places-key"  # the OS Places simulator's local default

# PAF is updated by Royal Mail daily for its licensees, but OS Places serves it through AddressBase,
# released in epochs about six weeks apart (the `epoch` of each answer's header): its DPA records
# change only when an epoch lands. A day's cache is almost never staler than OS Places itself, makes
# a new delivery point findable at most a day after its epoch, and keeps repeated lookups (a citizen
# going back a page, many people on one new estate) inside OS Places' rate limit and metered use.
DEFAULT_CACHE_SECONDS = 24 * 60 * 60


class AddressSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DWP_", extra="ignore")

    os_places_api_key: SecretStr | None = Field(
        None, description="The OS Places API key; read from Secrets Manager when unset."
    )
    address_cache_seconds: int = Field(DEFAULT_CACHE_SECONDS, ge=0, description="How long a lookup is kept.")
    os_places_page_size: int = Field(100, ge=1, le=100, description="`maxresults` of each page asked for.")
    os_places_max_pages: int = Field(10, ge=1, description="Pages read for one postcode at most.")

    platform: Settings = Field(default_factory=Settings, exclude=True)

    @property
    def os_places_url(self) -> str:
        return self.platform.service_url("os-places").rstrip("/")

    def api_key(self) -> OsPlacesKey:
        """The key: `DWP_OS_PLACES_API_KEY` (fixed), else the Secrets Manager secret (read again when OS
        Places refuses it: rotated), else, locally with no AWS endpoint, the simulator's local key."""
        return OsPlacesKey(self)


class OsPlacesKey:
    """The OS Places key as last read, and `refresh` after OS Places refused it."""

    def __init__(self, config: AddressSettings) -> None:
        platform = config.platform
        self._fixed = config.os_places_api_key.get_secret_value() if config.os_places_api_key else None
        self._local = platform.is_local and not platform.aws_endpoint_url
        self._platform = platform
        self.secret = RotatingSecret(platform, catalog.OS_PLACES_API_KEY_SECRET)

    async def value(self) -> str:
        if self._fixed is not None:
            return self._fixed
        if self._local:
            return LOCAL_OS_PLACES_KEY
        try:
            return await self.secret.value()
        except Exception:
            if self._platform.is_local:  # an embedded endpoint not bootstrapped: the simulator's key
                return LOCAL_OS_PLACES_KEY
            raise

    async def refresh(self) -> bool:
        """Read the secret again; whether the key changed (then the refused call is worth one more try)."""
        if self._fixed is not None or self._local:
            return False
        return await self.secret.refresh()
