"""`aos login --oidc PROVIDER`: the device-code sign-in that yields an AOS token."""

from __future__ import annotations

import time

import click

from ._app import CLIError, Exit


def device_sign_in(url: str, provider: str, *, timeout: float = 900.0) -> str:
    """Run a device-code sign-in against `url`; returns the new AOS token's secret."""
    from ..client import AOSClient

    with AOSClient(url, None) as api:
        start = api.accounts.oidc_device(provider)
        where = start.verification_uri_complete or start.verification_uri
        click.echo(
            f"Open {where} in a browser and sign in"
            + ("" if start.verification_uri_complete else f"; enter the code {start.user_code}")
            + f" (code {start.user_code})",
            err=True,
        )
        interval = max(1, start.interval)
        deadline = time.monotonic() + min(timeout, start.expires_in)
        while time.monotonic() < deadline:
            time.sleep(interval)
            result = api.accounts.oidc_poll(provider, start.flow_id)
            if result.status == "slow_down":
                interval += 5
            if result.status != "done":
                continue
            if result.token is None:
                raise CLIError(result.detail or "the sign-in gave no token", Exit.PERMISSION)
            return result.token.secret
    raise CLIError("the sign-in was not finished in time; run `aos login --oidc` again")


def show_announcements(url: str, token: str | None) -> None:
    """Print the current announcements (on standard error, so scripts keep clean output)."""
    from ..client import AOSClient

    with AOSClient(url, token) as api:
        for item in api.accounts.announcements():
            mark = {"warning": "!", "critical": "!!"}.get(item.severity, "*")
            click.echo(f"{mark} {item.title}" + (f": {item.body}" if item.body else ""), err=True)
