"""Parsing of the network context keys: VPC placement (`vpcId`, `subnetIds`,
`securityGroupIds`) and the proxy variables (`proxy`).

Apart from config.py because each key has a form of its own to check, and a wrong id or URL
found at synth costs a second, while one found by CloudFormation costs a failed deploy (a VPC
change rolls back slowly: Lambda has to release the ENIs it made).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

# AWS resource ids: the prefix and 8 (older) or 17 lowercase hex digits.
_ID_FORMS = {
    prefix: re.compile(rf"^{prefix}-(?:[0-9a-f]{{8}}|[0-9a-f]{{17}})$")
    for prefix in ("vpc", "subnet", "sg")
}
# Lambda's VpcConfig limits.
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
# What the runtime (httpx, and boto3 for the AWS calls) reads; NO_PROXY is a list of hosts.
PROXY_URL_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
PROXY_VARIABLES = (*PROXY_URL_VARIABLES, "NO_PROXY")
_BARE_HOST_PORT = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$")


def _blank(value: Any) -> bool:
    return value is None or value == ""


def resource_id(value: Any, key: str, prefix: str) -> str | None:
    """One id such as `vpc-0abc...`; None when the key is absent."""
    if _blank(value):
        return None
    if not isinstance(value, str) or not _ID_FORMS[prefix].match(value.strip()):
        raise ValueError(
            f"context {key!r} must be an id like {prefix}-0123456789abcdef0 "
            f"({prefix}- and 8 or 17 lowercase hex digits), got {value!r}"
        )
    return value.strip()


def resource_ids(value: Any, key: str, prefix: str, limit: int) -> tuple[str, ...] | None:
    """A list of ids: a JSON list (cdk.json, or `-c key='["a","b"]'`) or a comma-separated
    string (`-c key=a,b`). None when the key is absent; an empty list is an error, not absent,
    because it almost always means a value got lost on the way."""
    if value is None:
        return None
    items = _as_list(value, key)
    if not items:
        raise ValueError(f"context {key!r} must list at least one {prefix}- id, got {value!r}")
    if len(items) > limit:
        raise ValueError(f"context {key!r} takes at most {limit} ids (Lambda's limit)")
    ids = tuple(resource_id(item, key, prefix) or "" for item in items)
    if "" in ids:
        raise ValueError(f"context {key!r} has an empty entry: {value!r}")
    if len(set(ids)) != len(ids):
        raise ValueError(f"context {key!r} lists an id twice: {value!r}")
    return ids


def _as_list(value: Any, key: str) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"context {key!r} is not a valid JSON list: {value!r}") from exc
            if isinstance(parsed, list):
                return parsed
        return [part.strip() for part in text.split(",")] if text else []
    raise ValueError(f"context {key!r} must be a list of ids or a comma-separated string")


def proxy_environment(value: Any) -> dict[str, str]:
    """`proxy`: an object (or its JSON text, from `-c`) of HTTP_PROXY, HTTPS_PROXY, ALL_PROXY
    and NO_PROXY in any case, returned with upper-case names, each proxy URL checked the way
    the runtime will use it."""
    if _blank(value):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValueError(
                f"context 'proxy' must be a JSON object such as "
                f'{{"HTTPS_PROXY": "http://proxy.internal:3128"}}, got {value!r}'
            ) from exc
    if not isinstance(value, dict):
        raise ValueError(f"context 'proxy' must be an object of variables, got {value!r}")
    out: dict[str, str] = {}
    for name, setting in value.items():
        upper = str(name).upper()
        if upper not in PROXY_VARIABLES:
            raise ValueError(
                f"context 'proxy' sets {name!r}; only {', '.join(PROXY_VARIABLES)} "
                "(either case) are proxy variables"
            )
        if upper in out:
            raise ValueError(f"context 'proxy' sets {upper} twice (names are case-insensitive)")
        if not isinstance(setting, str):
            raise ValueError(f"context 'proxy' {upper} must be a string, got {setting!r}")
        if upper in PROXY_URL_VARIABLES:
            _check_proxy_url(upper, setting)
        out[upper] = setting.strip()
    return out


def _check_proxy_url(name: str, url: str) -> None:
    """httpx takes `http://` or `https://` URLs, and a bare `host:port` as `http://`
    (socks5:// would need the socksio package, which the layers do not ship)."""
    problem = f"context 'proxy' {name} must be http://host:port, https://host:port or host:port"
    text = url.strip()
    if "://" not in text:
        if not _BARE_HOST_PORT.match(text) or not 0 < int(text.rsplit(":", 1)[1]) < 65536:
            raise ValueError(f"{problem}, got {_shown(text)!r}")
        return
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{problem} (the layers have no socks support), got {_shown(text)!r}")
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # not a number, or past 65535
        port_ok = False
    if not parts.hostname or not port_ok or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"{problem}, got {_shown(text)!r}")


def _shown(url: str) -> str:
    """The URL for an error message, without the password it may carry."""
    scheme, sep, rest = url.rpartition("://")
    userinfo, at, host = rest.rpartition("@")
    if not at:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
