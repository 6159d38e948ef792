"""The declarative base shared by every table: constraint naming and column type conventions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, MetaData, Uuid, text
from sqlalchemy.dialects.postgresql import DOMAIN
from sqlalchemy.orm import DeclarativeBase, MappedColumn, mapped_column
from sqlalchemy.sql.operators import OperatorClass
from sqlalchemy.types import TypeEngine

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


class _CheckedDomain(DOMAIN):
    """A DOMAIN whose expressions take the operators of its base type (`version + 1`, `status == ...`)."""

    @property
    def operator_classes(self) -> OperatorClass:  # type: ignore[override]
        return self.data_type.operator_classes


def checked_domain(name: str, data_type: type[TypeEngine[Any]], check: str) -> DOMAIN:
    """The column type `name`: a domain over `data_type` with one check over VALUE, named `ck_<name>`.

    A single-column rule is checked by its column's domain, not by a table CHECK constraint:
    PostgreSQL reads a table's CHECK constraints back from their text and compiles them again for
    every statement writing the table (and an UPDATE runs them all), where a domain's check is
    compiled once per connection and runs only for the columns a statement sets. Domains, like
    tables, are created by the migrations only.
    """
    return _CheckedDomain(name, data_type, constraint_name=f"ck_{name}", check=check, create_type=False)
