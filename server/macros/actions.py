"""A macro's actions as domain values, as stored (JSON objects with a `kind`), and their checks."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from server.core.errors import InvalidArgument
from server.core.validation import FieldChecks, check_tags
from server.responses.placeholders import check_placeholders
from server.tickets.transitions import Priority, Status
from server.tickets.validation import check_text

MAX_ACTIONS = 20


class ActionKind(enum.StrEnum):
    """What an action does; the name of its field in `MacroAction`."""

    ADD_MESSAGE = "add_message"
    SET_STATUS = "set_status"
    SET_PRIORITY = "set_priority"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"
    SET_ASSIGNEE = "set_assignee"


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One step of a macro; only the fields its `kind` names are meaningful."""

    kind: ActionKind
    body: str = ""
    internal: bool = False
    status: Status | None = None
    priority: Priority | None = None
    tags: tuple[str, ...] = field(default=())
    # "me" (whoever applies the macro), "" (unassign) or a user id.
    assignee: str = ""

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        match self.kind:
            case ActionKind.ADD_MESSAGE:
                return {"kind": self.kind.value, "body": self.body, "internal": self.internal}
            case ActionKind.SET_STATUS:
                assert self.status is not None
                return {"kind": self.kind.value, "status": self.status.value}
            case ActionKind.SET_PRIORITY:
                assert self.priority is not None
                return {"kind": self.kind.value, "priority": int(self.priority)}
            case ActionKind.ADD_TAGS | ActionKind.REMOVE_TAGS:
                return {"kind": self.kind.value, "tags": list(self.tags)}
            case ActionKind.SET_ASSIGNEE:
                return {"kind": self.kind.value, "assignee": self.assignee}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Action:
        """An action from its stored form (written by `to_json`)."""
        kind = ActionKind(data["kind"])
        return cls(
            kind=kind,
            body=str(data.get("body", "")),
            internal=bool(data.get("internal", False)),
            status=Status(data["status"]) if "status" in data else None,
            priority=Priority(data["priority"]) if "priority" in data else None,
            tags=tuple(data.get("tags", ())),
            assignee=str(data.get("assignee", "")),
        )


def check_action(action: Action, *, field: str) -> Action:
    """The action, its values cleaned (tags normalised); InvalidArgument naming the bad field."""
    match action.kind:
        case ActionKind.ADD_MESSAGE:
            path = f"{field}.add_message.body"
            return Action(
                kind=action.kind,
                body=check_placeholders(check_text(action.body, field=path), field=path),
                internal=action.internal,
            )
        case ActionKind.SET_STATUS:
            if action.status is None:
                raise InvalidArgument.field(f"{field}.set_status", "is required")
            return action
        case ActionKind.SET_PRIORITY:
            if action.priority is None:
                raise InvalidArgument.field(f"{field}.set_priority", "is required")
            return action
        case ActionKind.ADD_TAGS | ActionKind.REMOVE_TAGS:
            path = f"{field}.{action.kind.value}.tags"
            tags = check_tags(action.tags, field=path)
            if not tags:
                raise InvalidArgument.field(path, "name at least one tag")
            return Action(kind=action.kind, tags=tuple(tags))
        case ActionKind.SET_ASSIGNEE:
            if action.assignee not in ("", "me"):
                try:
                    uuid.UUID(action.assignee)
                except ValueError:
                    raise InvalidArgument.field(
                        f"{field}.set_assignee.assignee_id", "must be a user id, `me` or empty"
                    ) from None
            return action


def check_actions(actions: Sequence[Action | None], *, field: str = "macro.actions") -> list[Action]:
    """1 to 20 valid actions (None stands for an action with nothing set); every violation at once."""
    checks = FieldChecks()
    if not actions:
        checks.add(field, "is required: at least one action")
    if len(actions) > MAX_ACTIONS:
        checks.add(field, f"at most {MAX_ACTIONS} actions")
    cleaned: list[Action] = []
    for index, action in enumerate(actions):
        path = f"{field}[{index}]"
        if action is None:
            checks.add(path, "set exactly one action")
            continue
        checked = checks.run(lambda action=action, path=path: check_action(action, field=path))  # type: ignore[misc]
        if checked is not None:
            cleaned.append(checked)
    checks.raise_if_any()
    return cleaned
