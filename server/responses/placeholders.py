"""Placeholders in canned-response text: checked when saved, filled by plain substitution.

There is no template engine: a placeholder is a fixed name between double braces, looked up in a
dictionary of plain strings. Nothing in a body or a value is evaluated, and values are inserted in
one pass, so a value that looks like a placeholder (a customer named `{{agent.name}}`) stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from server.core.errors import InvalidArgument

# `{{ name }}`: no braces inside, spaces around the name allowed.
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

PLACEHOLDERS = (
    "customer.name",
    "customer.first_name",
    "customer.email",
    "ticket.number",
    "ticket.subject",
    "agent.name",
    "agent.first_name",
)


def check_placeholders(body: str, *, field: str) -> str:
    """The body unchanged; InvalidArgument on `field` naming the first unknown placeholder."""
    for match in _PLACEHOLDER.finditer(body):
        if match.group(1) not in PLACEHOLDERS:
            raise InvalidArgument.field(
                field, f"unknown placeholder {match.group(0)!r}; known: {', '.join(PLACEHOLDERS)}"
            )
    return body


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceholderValues:
    """What a rendering knows about the ticket, its customer and the agent."""

    customer_name: str
    customer_email: str
    ticket_number: int
    ticket_subject: str
    agent_name: str

    def as_mapping(self) -> Mapping[str, str]:
        """Each placeholder's text."""
        return {
            "customer.name": self.customer_name,
            "customer.first_name": first_name(self.customer_name),
            "customer.email": self.customer_email,
            "ticket.number": str(self.ticket_number),
            "ticket.subject": self.ticket_subject,
            "agent.name": self.agent_name,
            "agent.first_name": first_name(self.agent_name),
        }


def first_name(display_name: str) -> str:
    """The first word of a display name ("" for none)."""
    words = display_name.split()
    return words[0] if words else ""


def render(body: str, values: PlaceholderValues) -> str:
    """The body with each known placeholder replaced by its value, in one pass (unknown ones stay)."""
    table = values.as_mapping()
    return _PLACEHOLDER.sub(lambda match: table.get(match.group(1), match.group(0)), body)
