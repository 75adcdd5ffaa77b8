"""Secrets out of every message Baton shows or logs: credentials written in URLs, and the values of secret
environment variables, wherever they turn up (a config error echoing its input, a driver's or a tool's error,
a log line). Standard library only: errors.py masks every BatonError's message with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

MASK = "***"
# Names of environment variables whose values are secrets (the config's *_env keys name others).
SECRET_ENV_MARKERS = (
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "DATABASE_URL",
)
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words; no real secret is that short

# scheme://user:password@ and scheme://user@; the userinfo ends at the last "@" before the host.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/?#'\"<>]*)@")


def mask_url_credentials(text: str) -> str:
    """`text` with the password of every URL in it masked; a web URL's user name too (it may be a token)."""

    def masked(match: re.Match) -> str:
        scheme, userinfo = match["scheme"], match["userinfo"]
        user, has_password, _ = userinfo.partition(":")
        if scheme.lower().startswith("http"):
            return f"{scheme}{MASK}@"
        return f"{scheme}{user}:{MASK}@" if has_password else match[0]

    return _USERINFO.sub(masked, text)


def is_secret_name(name: str) -> bool:
    return any(marker in name.upper() for marker in SECRET_ENV_MARKERS)


@dataclass(frozen=True)
class Masker:
    """Masks URL credentials and the given secret values in any text."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], secret_names: Iterable[str] = ()) -> Masker:
        """Values of variables named like secrets or in `secret_names` (the config's *_env), and the password of
        any URL held in a variable."""
        names = set(secret_names)
        values = {v for k, v in environ.items() if (k in names or is_secret_name(k))}
        values |= {password for v in environ.values() if "://" in v and (password := _url_password(v))}
        return cls(tuple(sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)))

    def __call__(self, text: str) -> str:
        text = mask_url_credentials(text)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def _url_password(value: str) -> str | None:
    try:
        return urlsplit(value.strip()).password
    except ValueError:
        return None
