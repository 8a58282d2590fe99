"""The light read tables (storage.tables) agree with the schema (storage.models)."""

from __future__ import annotations

import pytest
from sqlalchemy import Boolean
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (defines the schema on SQLModel.metadata)
from storage.tables import ALL
from storage.types import JstDateTime

CONVERTED = (JstDateTime, Boolean)  # types whose values change on the way out of the database


@pytest.mark.parametrize("light", ALL, ids=lambda t: t.name)
def test_every_column_read_is_in_the_schema(light):
    schema = SQLModel.metadata.tables[light.name]
    assert set(light.c.keys()) <= set(schema.c.keys())


@pytest.mark.parametrize("light", ALL, ids=lambda t: t.name)
def test_columns_that_need_converting_are_typed_as_in_the_schema(light):
    schema = SQLModel.metadata.tables[light.name]
    for name, col in light.c.items():
        want = next((t for t in CONVERTED if isinstance(schema.c[name].type, t)), None)
        got = next((t for t in CONVERTED if isinstance(col.type, t)), None)
        assert got is want, f"{light.name}.{name}: read as {col.type!r}, stored as {schema.c[name].type!r}"
