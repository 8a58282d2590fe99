"""The user's own session cookies for members-only pages.

A browser extension exports cookies as a Netscape `cookies.txt` file (the
format curl and wget read). The user puts one per site at
`<config dir>/cookies/<site>.txt`, or passes `pointexit crawl --cookies FILE`.
Only the cookies whose domain matches the site's host are kept, and they are
only ever sent to that host: a whole-browser export does not leak other
sites' sessions. Values never appear in a repr, a log line or the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pointexit import small_files
from pointexit.errors import UserError

_HTTPONLY = "#HttpOnly_"


class CookieFileError(UserError):
    pass


@dataclass(frozen=True)
class SessionCookie:
    domain: str  # without the leading dot
    subdomains: bool  # also sent to hosts below the domain
    path: str
    secure: bool
    name: str
    value: str = field(repr=False)  # a secret: never in a repr

    def matches(self, url: str) -> bool:
        parts = urlsplit(url)
        if self.secure and parts.scheme != "https":
            return False
        if not host_matches(self.domain, self.subdomains, parts.hostname or ""):
            return False
        path = parts.path or "/"
        prefix = self.path.rstrip("/")
        return path == self.path or path == prefix or path.startswith(prefix + "/")


def host_matches(domain: str, subdomains: bool, host: str) -> bool:
    domain, host = domain.lower(), host.lower()
    return host == domain or (subdomains and host.endswith("." + domain))


def site_cookie_file(site: str) -> Path:
    from pointexit.config import config_dir

    return config_dir() / "cookies" / f"{site}.txt"


def read_cookie_file(path: str | Path, *, now: float | None = None) -> list[SessionCookie]:
    """Every unexpired cookie in a Netscape cookies.txt file.

    Errors name the file and line, never a value.
    """
    path = Path(path).expanduser()
    try:
        text = small_files.read_text(path, "utf-8-sig")
    except FileNotFoundError:
        raise CookieFileError(f"cookie file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CookieFileError(f"cannot read cookie file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    now = time.time() if now is None else now
    cookies = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(_HTTPONLY):
            line = line[len(_HTTPONLY):]
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) == 6:  # an empty value loses its tab in some exports
            parts.append("")
        if len(parts) != 7:
            raise CookieFileError(
                f"{path}:{number}: not a Netscape cookies.txt line "
                f"(expected 7 tab-separated fields, found {len(parts)})")
        domain, flag, cpath, secure, expires, name, value = parts
        try:
            expiry = int(expires or 0)
        except ValueError:
            raise CookieFileError(f"{path}:{number}: bad expiry time {expires!r}") from None
        if expiry and expiry < now:
            continue
        cookies.append(SessionCookie(
            domain=domain.lstrip(".").lower(),
            subdomains=flag.upper() == "TRUE" or domain.startswith("."),
            path=cpath or "/", secure=secure.upper() == "TRUE", name=name, value=value))
    return cookies


def cookies_for_host(cookies: list[SessionCookie], host: str) -> list[SessionCookie]:
    """The cookies a browser would send to this host (any path)."""
    return [c for c in cookies if host_matches(c.domain, c.subdomains, host)]


def cookie_header(cookies: list[SessionCookie], url: str, existing: str | None = None) -> str | None:
    """The Cookie header for a request: the existing pairs (the crawl's own
    session, which may be fresher) plus ours for names not already there."""
    pairs = [p.strip() for p in (existing or "").split(";") if p.strip()]
    names = {p.split("=", 1)[0] for p in pairs}
    for c in cookies:
        if c.name not in names and c.matches(url):
            pairs.append(f"{c.name}={c.value}")
            names.add(c.name)
    return "; ".join(pairs) or None
