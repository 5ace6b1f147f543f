"""Throttling of anonymous API clients at the rate API_ANON_RATE sets."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class AnonThrottle(AnonRateThrottle):
    """Anonymous clients get API_ANON_RATE requests; editors, who sign in, are not throttled."""

    def get_rate(self) -> str | None:
        # DRF reads the rates once, when its class is defined; reading them per request
        # lets a deployment (or a test, or the schemathesis run) change or lift the limit.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
