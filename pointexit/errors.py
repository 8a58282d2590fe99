"""Errors the user caused: one line, exit status 2, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    exit_code = 2


def not_empty(value: str | None, option: str, what: str, default: str) -> str | None:
    """An option's value, None when not given. An empty one is most likely an
    unset shell variable (`--db "$DB"`): a usage error, never the default."""
    if value is not None and not value.strip():
        raise UserError(f"{option}: empty {what} (leave the option out for {default})")
    return value
