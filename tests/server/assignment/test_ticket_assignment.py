"""Automatic ticket assignment against the real stack: two replicas on one database, presence in Redis."""

from __future__ import annotations

import asyncio

from helpdesk.v1 import agent_pb2, ticket_event_pb2, ticket_pb2, ticket_service_pb2
from server.app import HelpdeskApp
from tests.server.assignment.desk_support import Desk, shares
from tests.server.tickets.helpers import move_to
from tests.server.tickets.watch_support import UPDATED, Watcher


async def test_tickets_created_at_once_on_two_replicas_are_shared_evenly(desk: Desk) -> None:
    agents = [await desk.agent() for _ in range(3)]
    await desk.online(*agents)
    await desk.configure(tickets_enabled=True)

    tickets = await desk.open_tickets(20)

    counts = shares(tickets)
    assert set(counts) == {agent.user_id for agent in agents}
    assert sum(counts.values()) == 20
    assert max(counts.values()) - min(counts.values()) <= 1
    # The answers were the committed state: re-reading changes nothing.
    assert shares(await desk.tickets(tickets)) == counts


async def test_an_automatic_assignment_is_an_assignee_change_by_nobody(desk: Desk) -> None:
    agent = await desk.agent()
    await desk.online(agent)
    await desk.configure(tickets_enabled=True)

    ticket = await desk.open_ticket(await desk.customer())

    assert ticket.assignee_id == agent.user_id
    assert ticket.assignee_display_name
    events = await desk.first.tickets.ListTicketEvents(
        ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket.id), metadata=desk.admin.metadata
    )
    changes = [e for e in events.events if e.type == ticket_event_pb2.TICKET_EVENT_TYPE_ASSIGNEE_CHANGED]
    assert [(e.actor_id, e.old_assignee_id, e.new_assignee_id) for e in changes] == [("", "", agent.user_id)]


async def test_nobody_away_offline_or_deactivated_gets_a_ticket(desk: Desk) -> None:
    online, away, offline, leaving = [await desk.agent() for _ in range(4)]
    await desk.online(online, leaving)
    await desk.set_availability(away, agent_pb2.AGENT_AVAILABILITY_AWAY)
    # Still ONLINE in Redis, but no longer an active user.
    await desk.deactivate(leaving)
    await desk.configure(tickets_enabled=True)

    tickets = await desk.open_tickets(6)

    assert shares(tickets) == {online.user_id: 6}
    assert offline.user_id not in shares(tickets)


async def test_capacity_is_kept_under_concurrency_and_the_rest_waits_unassigned(desk: Desk) -> None:
    first, second = await desk.agent(), await desk.agent()
    await desk.online(first, second)
    await desk.limit(first, ticket_capacity=2)
    await desk.limit(second, ticket_capacity=3)
    await desk.configure(tickets_enabled=True)

    tickets = await desk.open_tickets(9)

    assert shares(tickets) == {first.user_id: 2, second.user_id: 3, "": 4}
    # Raising a capacity hands waiting tickets out at once, most urgent then oldest first.
    await desk.limit(first, ticket_capacity=4)
    assert shares(await desk.tickets(tickets)) == {first.user_id: 4, second.user_id: 3, "": 2}


async def test_resolving_a_ticket_frees_room_for_a_waiting_one(desk: Desk) -> None:
    agent = await desk.agent()
    await desk.online(agent)
    await desk.limit(agent, ticket_capacity=1)
    await desk.configure(tickets_enabled=True)
    held, waiting = await desk.open_tickets(2)
    held, waiting = sorted((held, waiting), key=lambda t: t.assignee_id == "")
    assert (held.assignee_id, waiting.assignee_id) == (agent.user_id, "")

    await move_to(desk.first.tickets, held.id, ticket_pb2.TICKET_STATUS_RESOLVED, agent)

    assert (await desk.ticket(waiting.id)).assignee_id == agent.user_id


async def test_waiting_tickets_go_to_an_agent_who_comes_online_on_the_other_replica(desk: Desk) -> None:
    await desk.configure(tickets_enabled=True)
    tickets = await desk.open_tickets(4)
    assert shares(tickets) == {"": 4}
    agent = await desk.agent()
    watcher = Watcher(desk.first.tickets, agent, ticket_service_pb2.WatchTicketsRequest())
    await watcher.caught_up()

    await desk.set_availability(agent, agent_pb2.AGENT_AVAILABILITY_ONLINE, replica=1)

    assert shares(await desk.tickets(tickets)) == {agent.user_id: 4}
    # Each assignment reached the agent's live view, from the other replica, as an ordinary change.
    await watcher.wait_for(4)
    assert {(c.kind, c.ticket.assignee_id) for c in watcher.changes} == {(UPDATED, agent.user_id)}
    assert {c.ticket_id for c in watcher.changes} == {t.id for t in tickets}
    await watcher.close()


async def test_presence_changes_mid_run_move_the_share(desk: Desk) -> None:
    steady, leaving, arriving = [await desk.agent() for _ in range(3)]
    await desk.online(steady, leaving)
    await desk.configure(tickets_enabled=True)

    before = await desk.open_tickets(6)
    await desk.set_availability(leaving, agent_pb2.AGENT_AVAILABILITY_OFFLINE, replica=1)
    await desk.set_availability(arriving, agent_pb2.AGENT_AVAILABILITY_ONLINE, replica=1)
    after = await desk.open_tickets(6)

    assert shares(before) == {steady.user_id: 3, leaving.user_id: 3}
    assert set(shares(after)) == {steady.user_id, arriving.user_id}
    assert sum(shares(after).values()) == 6


async def test_presence_flapping_while_tickets_pour_in_never_reaches_an_offline_agent(desk: Desk) -> None:
    steady, flapping = await desk.agent(), await desk.agent()
    await desk.online(steady)
    await desk.limit(steady, ticket_capacity=100)

    async def flap() -> None:
        for i in range(6):
            availability = agent_pb2.AGENT_AVAILABILITY_ONLINE if i % 2 == 0 else agent_pb2.AGENT_AVAILABILITY_AWAY
            await desk.set_availability(flapping, availability, replica=i % 2)
        await desk.set_availability(flapping, agent_pb2.AGENT_AVAILABILITY_AWAY)

    await desk.configure(tickets_enabled=True)
    tickets, _ = await asyncio.gather(desk.open_tickets(12), flap())

    counts = shares(await desk.tickets(tickets))
    assert sum(counts.values()) == 12
    assert counts[""] == 0
    assert set(counts) <= {steady.user_id, flapping.user_id}
    # Once AWAY for good, the flapping agent gets nothing more.
    later = await desk.open_tickets(3)
    assert shares(later) == {steady.user_id: 3}


async def test_only_opted_in_categories_are_assigned(desk: Desk) -> None:
    agent = await desk.agent()
    await desk.online(agent)
    settings = await desk.configure(ticket_categories=["billing", " billing", "Shipping"])
    assert list(settings.ticket_categories) == ["Shipping", "billing"]
    customer = await desk.customer()

    billing = await desk.open_ticket(customer, category="billing")
    other = await desk.open_ticket(customer, category="returns")
    bare = await desk.open_ticket(customer)

    assert (billing.assignee_id, other.assignee_id, bare.assignee_id) == (agent.user_id, "", "")


async def test_turning_assignment_on_or_off_on_one_replica_holds_for_the_next_ticket_on_the_other(
    desk: Desk,
) -> None:
    # The second replica opens a ticket first, so it holds the settings read then (assignment off).
    agent = await desk.agent()
    await desk.online(agent)
    customer = await desk.customer()
    before = await desk.open_ticket(customer, replica=1)

    await desk.configure(tickets_enabled=True)
    during = await desk.open_ticket(customer, replica=1)
    await desk.configure(tickets_enabled=False)
    after = await desk.open_ticket(customer, replica=1)

    assert (before.assignee_id, during.assignee_id, after.assignee_id) == ("", agent.user_id, "")


async def test_turning_assignment_on_hands_out_the_backlog(desk: Desk) -> None:
    first, second = await desk.agent(), await desk.agent()
    await desk.online(first, second)
    tickets = await desk.open_tickets(4)
    assert shares(tickets) == {"": 4}

    await desk.configure(tickets_enabled=True)

    assert shares(await desk.tickets(tickets)) == {first.user_id: 2, second.user_id: 2}


async def test_a_waiting_ticket_handed_out_shows_its_assignee_where_it_was_held(
    desk: Desk, second_app: HelpdeskApp
) -> None:
    agent = await desk.agent()
    await desk.online(agent)
    await desk.limit(agent, ticket_capacity=1)
    await desk.configure(tickets_enabled=True)
    held, waiting = sorted(await desk.open_tickets(2), key=lambda t: t.assignee_id == "")
    # Both replicas hold the waiting ticket, unassigned.
    replicas = ((desk.app, desk.replicas[0]), (second_app, desk.replicas[1]))
    for app, replica in replicas:
        unassigned = await replica.tickets.GetTicket(
            ticket_service_pb2.GetTicketRequest(id=waiting.id), metadata=desk.admin.metadata
        )
        assert unassigned.assignee_id == ""
        assert app.tickets is not None
        assert app.tickets.live.held.get(waiting.id) is not None
    dropped_on_b = asyncio.Event()
    assert second_app.tickets is not None
    second_app.tickets.live.held.entries.drop_listeners.add(
        lambda keys: dropped_on_b.set() if waiting.id in keys else None
    )

    # Resolving the other frees room: the waiting ticket is handed out before the resolution is answered.
    await move_to(desk.first.tickets, held.id, ticket_pb2.TICKET_STATUS_RESOLVED, agent)

    assert (await desk.ticket(waiting.id)).assignee_id == agent.user_id
    await asyncio.wait_for(dropped_on_b.wait(), timeout=5)
    on_b = await desk.replicas[1].tickets.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=waiting.id), metadata=desk.admin.metadata
    )
    assert on_b == await desk.ticket(waiting.id)
