"""PSA connectors (ConnectWise PSA, Autotask, HaloPSA) behind one port, and the sync engine."""

from __future__ import annotations

from .base import (
    MalformedRecord,
    Page,
    PsaAuthError,
    PsaCheck,
    PsaConfigError,
    PsaConnector,
    PsaError,
    PsaTicket,
    PsaUnavailable,
    redact,
    redact_url,
)

__all__ = [
    "MalformedRecord",
    "Page",
    "PsaAuthError",
    "PsaCheck",
    "PsaConfigError",
    "PsaConnector",
    "PsaError",
    "PsaTicket",
    "PsaUnavailable",
    "redact",
    "redact_url",
]
