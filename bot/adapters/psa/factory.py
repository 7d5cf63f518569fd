"""Build the configured PSA's connector from the lanes file's ``psa:`` block and the
environment's credentials (SPEC, Configuration). The one place that reads PSA credentials."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ...domain.lanes import PsaSettings
from .base import PsaConfigError, PsaConnector

CREDENTIALS = {
    "connectwise": (
        "CONNECTWISE_COMPANY_ID",
        "CONNECTWISE_PUBLIC_KEY",
        "CONNECTWISE_PRIVATE_KEY",
        "CONNECTWISE_CLIENT_ID",
    ),
    "autotask": ("AUTOTASK_USERNAME", "AUTOTASK_SECRET", "AUTOTASK_INTEGRATION_CODE"),
    "halo": ("HALO_CLIENT_ID", "HALO_CLIENT_SECRET"),
}


def secrets_of(env: Mapping[str, str]) -> list[str]:
    """Every PSA credential value set in ``env`` (for redacting logs and messages)."""
    return [env[name] for names in CREDENTIALS.values() for name in names if env.get(name)]


def make_connector(
    psa: PsaSettings, env: Mapping[str, str], *, client: httpx.Client | None = None
) -> PsaConnector:
    """The connector of ``psa.kind``; :class:`PsaConfigError` names what is missing."""
    missing = [name for name in CREDENTIALS[psa.kind] if not env.get(name)]
    if missing:
        raise PsaConfigError(f"psa.kind is {psa.kind} but {', '.join(missing)} not set")
    http = client or httpx.Client(timeout=30.0)
    boards = list(psa.teams)
    if psa.kind == "connectwise":
        from .connectwise import ConnectWiseConnector

        return ConnectWiseConnector(
            client=http,
            url=psa.url,
            company_id=env["CONNECTWISE_COMPANY_ID"],
            public_key=env["CONNECTWISE_PUBLIC_KEY"],
            private_key=env["CONNECTWISE_PRIVATE_KEY"],
            client_id=env["CONNECTWISE_CLIENT_ID"],
            boards=boards,
        )
    if psa.kind == "autotask":
        from .autotask import AutotaskConnector

        return AutotaskConnector(
            client=http,
            url=psa.url,
            username=env["AUTOTASK_USERNAME"],
            secret=env["AUTOTASK_SECRET"],
            integration_code=env["AUTOTASK_INTEGRATION_CODE"],
            queues=boards,
        )
    from .halo import HaloConnector

    return HaloConnector(
        client=http,
        url=psa.url,
        client_id=env["HALO_CLIENT_ID"],
        client_secret=env["HALO_CLIENT_SECRET"],
        tenant=env.get("HALO_TENANT") or None,
        teams=boards,
    )
