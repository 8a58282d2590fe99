"""Column types shared by the table classes (`storage.models`) and the light
read clauses (`storage.tables`)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime
from sqlalchemy.types import TypeDecorator

from pointexit.clock import JST


class JstDateTime(TypeDecorator):
    """Aware datetimes in and out, always in Asia/Tokyo.

    SQLite has no time zone type: values are stored as naive JST wall time so
    they sort as text; PostgreSQL gets a real timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a JST column")
        value = value.astimezone(JST)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=JST)
        return value.astimezone(JST)


def jst_column(**kw) -> Column:
    return Column(JstDateTime(), **kw)
