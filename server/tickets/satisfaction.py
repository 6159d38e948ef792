"""Ticket satisfaction: the customer rates the help on a resolved (or closed) ticket, once."""

from __future__ import annotations

from server.core.context import Principal, Role
from server.core.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from server.core.validation import FieldChecks
from server.tickets.changes import ChangeListener, log_change
from server.tickets.domain import load_visible, reread
from server.tickets.transitions import Status
from server.tickets.validation import check_comment, parse_ticket_id
from storage.db import Database
from storage.repositories.ticket_records import NewEvent, TicketRecord
from storage.repositories.tickets import NOW

RATEABLE = frozenset({Status.RESOLVED, Status.CLOSED})


def check_rating(value: int, *, field: str = "rating") -> int:
    """A rating from 1 to 5."""
    if not 1 <= value <= 5:
        raise InvalidArgument.field(field, "must be from 1 to 5")
    return value


class TicketSatisfaction:
    """Ratings of tickets over one database."""

    def __init__(self, *, database: Database, changes: ChangeListener | None = None) -> None:
        self._database = database
        self._changes = changes

    async def rate(self, *, principal: Principal, ticket_id: str, rating: int, comment: str) -> TicketRecord:
        """Records the owner's rating; the same rating again answers the ticket unchanged."""
        parsed = parse_ticket_id(ticket_id)
        checks = FieldChecks()
        score = checks.run(lambda: check_rating(rating))
        remark = checks.run(lambda: check_comment(comment))
        checks.raise_if_any()
        assert score is not None
        assert remark is not None
        if principal.role is not Role.CUSTOMER:
            # The access rule already says so; kept here so the rule cannot drift from the domain.
            raise PermissionDenied("only the ticket's customer rates it", reason="NOT_THE_CUSTOMER")
        async with self._database.unit_of_work() as uow:
            ticket = await load_visible(uow, principal=principal, ticket_id=parsed, lock=True)
            if ticket.rating is not None:
                if (ticket.rating, ticket.rating_comment) == (score, remark):
                    return ticket  # a retry of the call that rated it
                raise FailedPrecondition("the ticket was already rated", reason="ALREADY_RATED")
            if Status(ticket.status) not in RATEABLE:
                raise FailedPrecondition("only a resolved or closed ticket can be rated", reason="TICKET_NOT_RESOLVED")
            await uow.tickets.update(
                ticket_id=parsed, changes={"rating": score, "rating_comment": remark or None, "rate_time": NOW}
            )
            await uow.tickets.add_events(
                events=[
                    NewEvent(
                        ticket_id=parsed,
                        type="rated",
                        actor_id=principal.user_id,
                        rating=score,
                        comment=remark or None,
                    )
                ]
            )
            updated = await reread(uow, parsed)
            await log_change(uow, listener=self._changes, kind="updated", before=ticket, after=updated)
            return updated
