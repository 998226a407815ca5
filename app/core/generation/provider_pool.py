"""The providers that run clips: the local model, and one Replicate client per API token and base URL."""

from __future__ import annotations

import asyncio

from app.config import SettingsStore
from app.core.generation.catalog import ModelSpec
from app.core.generation.errors import GenerationError
from app.core.generation.providers.base import Provider
from app.core.generation.providers.local_provider import LocalProvider
from app.core.generation.providers.replicate_api import ReplicateAPI
from app.core.generation.providers.replicate_provider import ReplicateProvider
from app.core.secrets import KeyName, SecretStore


class ProviderPool:
    """Makes each Replicate client once, when a model first needs it, and closes them all at the end."""

    def __init__(self, settings: SettingsStore, secrets: SecretStore) -> None:
        self.settings = settings
        self.secrets = secrets
        self._local = LocalProvider()
        self._replicate: dict[tuple[str, str], ReplicateProvider] = {}
        self._provider_lock = asyncio.Lock()

    async def provider_for(self, model: ModelSpec) -> Provider:
        """The provider that runs ``model``; raises ``GenerationError`` when Replicate has no key."""
        if model.is_local:
            return self._local
        token = await asyncio.to_thread(self.secrets.get, KeyName.REPLICATE)
        if not token:
            raise GenerationError(f"{model.label} runs on Replicate and no Replicate API token is set: add one "
                                  "(`keys set replicate` or the Settings dialog) or choose the local model")
        base_url = self.settings.current.replicate_base_url
        key = (token, base_url)
        async with self._provider_lock:
            if key not in self._replicate:
                api = await asyncio.to_thread(ReplicateAPI, token, base_url)
                self._replicate[key] = ReplicateProvider(api, lambda: self.settings.current)
        return self._replicate[key]

    async def aclose(self) -> None:
        """Close the Replicate clients' HTTP connections."""
        providers = list(self._replicate.values())
        self._replicate.clear()
        for provider in providers:
            await provider.aclose()
