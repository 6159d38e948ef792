"""The declarative base shared by every table: constraint naming and column type conventions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, MetaData, Uuid, text
from sqlalchemy.orm import DeclarativeBase, MappedColumn, mapped_column

# Deterministic constraint names, so that migrations can refer to them and autogenerate stays quiet.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model; its metadata is what Alembic compares migrations against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every timestamp is timestamptz; every UUID is PostgreSQL's native uuid.
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        uuid.UUID: Uuid(as_uuid=True),
    }


def uuid_primary_key() -> MappedColumn[Any]:
    """A UUID primary key, generated in Python (so callers may know it up front) or by PostgreSQL."""
    return mapped_column(primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()"))
