"""Macros: protobuf messages <-> domain values."""

from __future__ import annotations

from collections.abc import Iterable

from helpdesk.v1 import macro_pb2, ticket_pb2
from server.core.validation import FieldChecks
from server.macros.actions import Action, ActionKind
from server.tickets.convert import priority_from_proto, status_from_proto
from server.tickets.transitions import Status
from storage.repositories.macros import MacroRecord

_STATUS_TO_PROTO = {status: ticket_pb2.TicketStatus.Value(f"TICKET_STATUS_{status.name}") for status in Status}


def actions_from_proto(
    actions: Iterable[macro_pb2.MacroAction], *, field: str = "macro.actions"
) -> list[Action | None]:
    """Domain actions (None for an action with nothing set); InvalidArgument for unknown enum numbers."""
    checks = FieldChecks()
    result: list[Action | None] = []
    for index, action in enumerate(actions):
        path = f"{field}[{index}]"
        match action.WhichOneof("action"):
            case "add_message":
                message = action.add_message
                result.append(Action(kind=ActionKind.ADD_MESSAGE, body=message.body, internal=message.internal))
            case "set_status":
                status = checks.run(lambda a=action, p=path: status_from_proto(a.set_status, field=f"{p}.set_status"))  # type: ignore[misc]
                result.append(Action(kind=ActionKind.SET_STATUS, status=status))
            case "set_priority":
                priority = checks.run(
                    lambda a=action, p=path: priority_from_proto(a.set_priority, field=f"{p}.set_priority")  # type: ignore[misc]
                )
                result.append(Action(kind=ActionKind.SET_PRIORITY, priority=priority))
            case "add_tags":
                result.append(Action(kind=ActionKind.ADD_TAGS, tags=tuple(action.add_tags.tags)))
            case "remove_tags":
                result.append(Action(kind=ActionKind.REMOVE_TAGS, tags=tuple(action.remove_tags.tags)))
            case "set_assignee":
                result.append(Action(kind=ActionKind.SET_ASSIGNEE, assignee=action.set_assignee.assignee_id))
            case _:
                result.append(None)
    checks.raise_if_any()
    return result


def action_to_proto(action: Action) -> macro_pb2.MacroAction:
    """The API view of one action."""
    match action.kind:
        case ActionKind.ADD_MESSAGE:
            return macro_pb2.MacroAction(add_message=macro_pb2.MacroMessage(body=action.body, internal=action.internal))
        case ActionKind.SET_STATUS:
            assert action.status is not None
            return macro_pb2.MacroAction(set_status=_STATUS_TO_PROTO[action.status])
        case ActionKind.SET_PRIORITY:
            assert action.priority is not None
            return macro_pb2.MacroAction(set_priority=ticket_pb2.TicketPriority.ValueType(int(action.priority)))
        case ActionKind.ADD_TAGS:
            return macro_pb2.MacroAction(add_tags=macro_pb2.MacroTags(tags=action.tags))
        case ActionKind.REMOVE_TAGS:
            return macro_pb2.MacroAction(remove_tags=macro_pb2.MacroTags(tags=action.tags))
        case ActionKind.SET_ASSIGNEE:
            return macro_pb2.MacroAction(set_assignee=macro_pb2.MacroAssignee(assignee_id=action.assignee))


def macro_to_proto(record: MacroRecord) -> macro_pb2.Macro:
    """The API view of a macro."""
    message = macro_pb2.Macro(
        id=str(record.id),
        name=record.name,
        description=record.description,
        actions=[action_to_proto(Action.from_json(data)) for data in record.actions],
        etag=record.etag,
    )
    message.create_time.FromDatetime(record.create_time)
    message.update_time.FromDatetime(record.update_time)
    return message
