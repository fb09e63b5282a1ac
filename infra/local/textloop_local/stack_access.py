"""How the local commands (doctor, privacy, redrive, catch-up) reach a stack: the local stack's
environment through ``GET /_local/env``. One place, one error."""

from __future__ import annotations


class Unusable(Exception):
    """The command cannot run as asked (no stack answers, missing configuration): exit 2."""


def local_env(url: str) -> dict[str, str]:
    """The functions' environment of the local stack at *url* (``textloop serve``)."""
    import requests

    try:
        response = requests.get(f"{url.rstrip('/')}/_local/env", timeout=10)
        response.raise_for_status()
        env = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise Unusable(f"no local stack answers GET {url}/_local/env ({type(exc).__name__})") from None
    if not isinstance(env, dict):
        raise Unusable(f"GET {url}/_local/env did not return the stack's environment")
    return {str(k): str(v) for k, v in env.items()}
