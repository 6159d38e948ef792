"""The access matrix of the whole API, declared in one table, and one concrete request per case.

A case is an RPC (`Service.Method`), or an RPC on an object in a given state
(`Service.Method[state]`) where that state decides the answer. For every case the table gives
the status code each caller gets; `BUILDERS` makes, for a case and a caller, a valid request
about customer A's objects (created fresh, so that a call that succeeds never changes what a
later call sees).

Callers: no credentials at all, customer A (who owns the objects), customer B (another customer:
every object of A must look to B exactly like an object that does not exist), an agent, a
customer who was signed in and then deactivated by an administrator (their unexpired access
token must be refused), and an administrator.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeAlias

from google.protobuf import duration_pb2, field_mask_pb2
from google.protobuf.message import Message

from helpdesk.v1 import (
    agent_pb2,
    article_pb2,
    assignment_pb2,
    assignment_service_pb2,
    auth_service_pb2,
    auth_service_pb2_grpc,
    canned_response_pb2,
    canned_response_service_pb2,
    canned_response_service_pb2_grpc,
    chat_service_pb2,
    chat_service_pb2_grpc,
    knowledge_service_pb2,
    knowledge_service_pb2_grpc,
    macro_pb2,
    macro_service_pb2,
    macro_service_pb2_grpc,
    personal_data_pb2,
    privacy_service_pb2,
    report_pb2,
    report_service_pb2,
    retention_policy_pb2,
    sla_policy_pb2,
    sla_service_pb2,
    sla_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
    user_pb2,
    user_service_pb2,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Role
from tests.support import SignedIn, register, sign_in_as, unique_email

AuthStub: TypeAlias = "auth_service_pb2_grpc.AuthServiceAsyncStub"
UserStub: TypeAlias = "user_service_pb2_grpc.UserServiceAsyncStub"
TicketStub: TypeAlias = "ticket_service_pb2_grpc.TicketServiceAsyncStub"
ChatStub: TypeAlias = "chat_service_pb2_grpc.ChatServiceAsyncStub"
KnowledgeStub: TypeAlias = "knowledge_service_pb2_grpc.KnowledgeServiceAsyncStub"
SlaStub: TypeAlias = "sla_service_pb2_grpc.SlaServiceAsyncStub"
CannedResponseStub: TypeAlias = "canned_response_service_pb2_grpc.CannedResponseServiceAsyncStub"
MacroStub: TypeAlias = "macro_service_pb2_grpc.MacroServiceAsyncStub"

CALLERS = ("anonymous", "customer_a", "customer_b", "agent", "deactivated", "admin")

OK = "OK"
UNAUTHENTICATED = "UNAUTHENTICATED"
DENIED = "PERMISSION_DENIED"
NOT_FOUND = "NOT_FOUND"
PRECONDITION = "FAILED_PRECONDITION"


def _row(anonymous: str, customer_a: str, customer_b: str, agent: str, deactivated: str, admin: str) -> dict[str, str]:
    """One row of the table, in the order of `CALLERS`."""
    return dict(zip(CALLERS, (anonymous, customer_a, customer_b, agent, deactivated, admin), strict=True))


# Signed-in callers of any role: the owner, everyone on the staff; the other customer sees nothing.
_OWNER_AND_STAFF = _row(UNAUTHENTICATED, OK, NOT_FOUND, OK, UNAUTHENTICATED, OK)
# The chat's customer and its agent (an administrator sees the chat but does not take part).
_PARTICIPANTS = _row(UNAUTHENTICATED, OK, NOT_FOUND, OK, UNAUTHENTICATED, DENIED)
_SIGNED_IN = _row(UNAUTHENTICATED, OK, OK, OK, UNAUTHENTICATED, OK)
_STAFF = _row(UNAUTHENTICATED, DENIED, DENIED, OK, UNAUTHENTICATED, OK)
_ADMIN = _row(UNAUTHENTICATED, DENIED, DENIED, DENIED, UNAUTHENTICATED, OK)
_CUSTOMERS = _row(UNAUTHENTICATED, OK, OK, DENIED, UNAUTHENTICATED, DENIED)
# Open to anyone; a refused (here: deactivated) access token is refused even so, never ignored.
_PUBLIC = _row(OK, OK, OK, OK, UNAUTHENTICATED, OK)
# The credential is in the request, the `authorization` header is ignored.
_CREDENTIAL_IN_REQUEST = _row(OK, OK, OK, OK, UNAUTHENTICATED, OK)
# A draft takes no votes: staff are told why, customers are told it does not exist.
_DRAFT_VOTE = _row(UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, PRECONDITION, UNAUTHENTICATED, PRECONDITION)
# The agent's personal canned response: theirs alone; to the administrator it does not exist.
_AGENTS_OWN = _row(UNAUTHENTICATED, DENIED, DENIED, OK, UNAUTHENTICATED, NOT_FOUND)

EXPECTED: dict[str, dict[str, str]] = {
    # Anyone may open an account; the header (even a refused token) is ignored, as for signing in.
    "AuthService.Register": _row(OK, OK, OK, OK, OK, OK),
    "AuthService.Login": _CREDENTIAL_IN_REQUEST,
    "AuthService.RefreshToken": _CREDENTIAL_IN_REQUEST,
    "AuthService.Logout": _SIGNED_IN,
    "AuthService.GetCurrentUser": _SIGNED_IN,
    "AuthService.ChangePassword": _SIGNED_IN,
    "UserService.CreateUser": _ADMIN,
    # Agents may list agents only; this request looks for customer A.
    "UserService.ListUsers": _ADMIN,
    "UserService.GetUser": _ADMIN,
    "UserService.UpdateUser": _ADMIN,
    "TicketService.CreateTicket": _SIGNED_IN,
    "TicketService.GetTicket": _OWNER_AND_STAFF,
    "TicketService.ListTickets": _SIGNED_IN,
    "TicketService.UpdateTicket": _OWNER_AND_STAFF,
    "TicketService.AssignTicket": _STAFF,
    "TicketService.ChangeTicketStatus": _OWNER_AND_STAFF,
    "TicketService.DeleteTicket": _ADMIN,
    "TicketService.AddTicketMessage": _OWNER_AND_STAFF,
    # An internal note: refused to customers before the ticket is even looked up.
    "TicketService.AddTicketMessage[note]": _STAFF,
    "TicketService.ListTicketMessages": _OWNER_AND_STAFF,
    "TicketService.ListTicketEvents": _STAFF,
    # Only the ticket's customer rates it (a resolved ticket).
    "TicketService.RateTicket": _row(UNAUTHENTICATED, OK, NOT_FOUND, DENIED, UNAUTHENTICATED, DENIED),
    # Watching a ticket one may not see is allowed and shows nothing: no existence is revealed.
    "TicketService.WatchTickets": _SIGNED_IN,
    "ChatService.StartChat": _CUSTOMERS,
    "ChatService.GetChat": _OWNER_AND_STAFF,
    "ChatService.ListChats": _SIGNED_IN,
    "ChatService.AcceptChat": _STAFF,
    "ChatService.TransferChat": _STAFF,
    "ChatService.EndChat": _OWNER_AND_STAFF,
    "ChatService.RateChat": _row(UNAUTHENTICATED, OK, NOT_FOUND, DENIED, UNAUTHENTICATED, DENIED),
    "ChatService.SendChatMessage": _PARTICIPANTS,
    "ChatService.ListChatMessages": _OWNER_AND_STAFF,
    "ChatService.StreamChat": _OWNER_AND_STAFF,
    "ChatService.Converse": _OWNER_AND_STAFF,
    "ChatService.SetTyping": _PARTICIPANTS,
    "ChatService.MarkRead": _PARTICIPANTS,
    "ChatService.WatchQueue": _STAFF,
    "ChatService.SetAvailability": _STAFF,
    "ChatService.ListAgents": _STAFF,
    "ChatService.CreateTicketFromChat": _STAFF,
    "KnowledgeService.CreateArticle": _STAFF,
    "KnowledgeService.GetArticle[draft]": _row(NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, UNAUTHENTICATED, OK),
    "KnowledgeService.GetArticle[published]": _PUBLIC,
    "KnowledgeService.ListArticles": _PUBLIC,
    "KnowledgeService.SearchArticles": _PUBLIC,
    "KnowledgeService.UpdateArticle": _STAFF,
    "KnowledgeService.DeleteArticle": _ADMIN,
    "KnowledgeService.PublishArticle": _STAFF,
    "KnowledgeService.UnpublishArticle": _STAFF,
    "KnowledgeService.VoteArticle[published]": _SIGNED_IN,
    "KnowledgeService.VoteArticle[draft]": _DRAFT_VOTE,
    "KnowledgeService.ListCategories": _PUBLIC,
    "SlaService.CreateSlaPolicy": _ADMIN,
    "SlaService.GetSlaPolicy": _STAFF,
    "SlaService.ListSlaPolicies": _STAFF,
    "SlaService.UpdateSlaPolicy": _ADMIN,
    "SlaService.DeleteSlaPolicy": _ADMIN,
    "CannedResponseService.CreateCannedResponse": _STAFF,
    "CannedResponseService.CreateCannedResponse[shared]": _ADMIN,
    "CannedResponseService.GetCannedResponse[shared]": _STAFF,
    "CannedResponseService.GetCannedResponse[personal]": _AGENTS_OWN,
    "CannedResponseService.ListCannedResponses": _STAFF,
    "CannedResponseService.UpdateCannedResponse[shared]": _ADMIN,
    "CannedResponseService.UpdateCannedResponse[personal]": _AGENTS_OWN,
    "CannedResponseService.DeleteCannedResponse[shared]": _ADMIN,
    "CannedResponseService.DeleteCannedResponse[personal]": _AGENTS_OWN,
    "CannedResponseService.RenderCannedResponse": _STAFF,
    "MacroService.CreateMacro": _ADMIN,
    "MacroService.GetMacro": _STAFF,
    "MacroService.ListMacros": _STAFF,
    "MacroService.UpdateMacro": _ADMIN,
    "MacroService.DeleteMacro": _ADMIN,
    "MacroService.ApplyMacro": _STAFF,
    "PrivacyService.ExportMyData": _SIGNED_IN,
    # Customer A's data: A and administrators; the others are refused whether or not the user exists.
    "PrivacyService.ExportMyData[another user]": _row(UNAUTHENTICATED, OK, DENIED, DENIED, UNAUTHENTICATED, OK),
    "PrivacyService.EraseCustomer": _ADMIN,
    "PrivacyService.GetRetentionPolicy": _ADMIN,
    "PrivacyService.UpdateRetentionPolicy": _ADMIN,
    "AssignmentService.GetAssignmentSettings": _STAFF,
    "AssignmentService.UpdateAssignmentSettings": _ADMIN,
    "AssignmentService.ListAgentCapacities": _STAFF,
    "AssignmentService.UpdateAgentCapacity": _ADMIN,
    # Reports: staff only; an agent's answer holds their own figures alone.
    "ReportService.GetTicketReport": _STAFF,
    # An agent naming someone else's figures is refused, whether or not that user exists.
    "ReportService.GetTicketReport[another agent]": _row(UNAUTHENTICATED, DENIED, DENIED, DENIED, UNAUTHENTICATED, OK),
    "ReportService.GetChatReport": _STAFF,
    "ReportService.GetSatisfactionReport": _STAFF,
    "ReportService.GetAgentLoadReport": _STAFF,
    "ReportService.ExportReport": _STAFF,
}


def rpc_of(case: str) -> str:
    """The `Service.Method` a case calls."""
    return case.partition("[")[0]


@dataclass
class Caller:
    """One column of the matrix; credentials change when the caller changes their password."""

    name: str
    user_id: str = ""
    email: str = ""
    password: str = ""
    access_token: str = ""
    refresh_token: str = ""
    active: bool = True

    @classmethod
    def of(cls, name: str, signed_in: SignedIn) -> Caller:
        """A caller signed in through the API."""
        return cls(
            name,
            signed_in.user_id,
            signed_in.email,
            signed_in.password,
            signed_in.access_token,
            signed_in.refresh_token,
        )

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Call metadata carrying the access token, if any."""
        return (("authorization", f"Bearer {self.access_token}"),) if self.access_token else ()


@dataclass
class Prepared:
    """One call of a cell: the request, the bearer token sent with it ("" for none), and what it targets."""

    request: Message
    token: str
    # The id of customer A's object the request is about: swapped for a random id, the answer to a
    # caller who may not see the object must stay exactly the same.
    target: str = ""
    # Run with the response when the call succeeds: checks what the caller may see in it, or adopts
    # the new credentials a password change brings.
    on_ok: Callable[[Message], None] | None = None


@dataclass
class World:
    """The callers, the stubs used to set objects up, and ways to make fresh objects owned by A."""

    auth: AuthStub
    users: UserStub
    tickets: TicketStub
    chats: ChatStub
    knowledge: KnowledgeStub
    canned_responses: CannedResponseStub
    macros: MacroStub
    sla: SlaStub
    callers: dict[str, Caller]
    search_word: str = field(default_factory=lambda: f"zebra{uuid.uuid4().hex[:8]}")
    # Customer A's chat that the last `fresh_chat` left open.
    open_chat: str = ""

    @property
    def owner(self) -> Caller:
        """Customer A, who owns the objects."""
        return self.callers["customer_a"]

    @property
    def agent(self) -> Caller:
        """The agent."""
        return self.callers["agent"]

    @property
    def admin(self) -> Caller:
        """The administrator."""
        return self.callers["admin"]

    async def new_session(self, caller: Caller) -> tuple[str, str]:
        """A separate (access, refresh) token pair for an active caller; the stale pair otherwise."""
        if not caller.active or not caller.email:
            return caller.access_token, caller.refresh_token
        response = await self.auth.Login(auth_service_pb2.LoginRequest(email=caller.email, password=caller.password))
        return response.access_token, response.refresh_token

    async def fresh_ticket(self) -> str:
        """A new open ticket of customer A."""
        ticket = await self.tickets.CreateTicket(
            ticket_service_pb2.CreateTicketRequest(
                ticket=ticket_pb2.Ticket(subject="Matrix ticket", description="Owned by customer A"),
                request_id=str(uuid.uuid4()),
            ),
            metadata=self.owner.metadata,
        )
        return ticket.id

    async def fresh_chat(self, state: str) -> str:
        """A new chat of customer A with one message: WAITING, ACTIVE (with the agent) or ENDED."""
        # A customer has one open chat at a time: end the one an earlier cell left open.
        if self.open_chat:
            await self.chats.EndChat(chat_service_pb2.EndChatRequest(id=self.open_chat), metadata=self.owner.metadata)
        start = chat_service_pb2.StartChatRequest(topic="Matrix chat", message="Hello?")
        response = await self.chats.StartChat(start, metadata=self.owner.metadata)
        if not response.created:
            # Opened by a StartChat cell of customer A.
            await self.chats.EndChat(chat_service_pb2.EndChatRequest(id=response.chat.id), metadata=self.owner.metadata)
            response = await self.chats.StartChat(start, metadata=self.owner.metadata)
        chat_id = self.open_chat = response.chat.id
        if state in ("ACTIVE", "ENDED"):
            await self.chats.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id), metadata=self.agent.metadata)
        if state == "ENDED":
            await self.chats.EndChat(chat_service_pb2.EndChatRequest(id=chat_id), metadata=self.owner.metadata)
        return chat_id

    async def fresh_article(self, *, published: bool) -> str:
        """A new article written by the agent, published or left a draft."""
        article = await self.knowledge.CreateArticle(
            knowledge_service_pb2.CreateArticleRequest(
                article=article_pb2.Article(
                    title=f"Matrix article {uuid.uuid4().hex[:12]}", body=f"About {self.search_word} and more."
                )
            ),
            metadata=self.agent.metadata,
        )
        if published:
            article = await self.knowledge.PublishArticle(
                knowledge_service_pb2.PublishArticleRequest(id=article.id), metadata=self.agent.metadata
            )
        return article.id

    async def fresh_sla_policy(self) -> str:
        """A new SLA policy (of a category of its own, so that policies never clash)."""
        policy = await self.sla.CreateSlaPolicy(
            sla_service_pb2.CreateSlaPolicyRequest(sla_policy=_matrix_policy()), metadata=self.admin.metadata
        )
        return policy.id

    async def fresh_canned_response(self, *, shared: bool) -> str:
        """A new canned response: the team's (written by the administrator) or the agent's own."""
        scope = canned_response_pb2.CANNED_RESPONSE_SCOPE_SHARED if shared else 0
        response = await self.canned_responses.CreateCannedResponse(
            canned_response_service_pb2.CreateCannedResponseRequest(
                canned_response=canned_response_pb2.CannedResponse(
                    title="Matrix reply",
                    body="Hi {{customer.first_name}}",
                    scope=scope,  # type: ignore[arg-type]
                )
            ),
            metadata=(self.admin if shared else self.agent).metadata,
        )
        return response.id

    async def fresh_macro(self) -> str:
        """A new macro written by the administrator: a reply and a tag."""
        macro = await self.macros.CreateMacro(
            macro_service_pb2.CreateMacroRequest(
                macro=macro_pb2.Macro(
                    name="Matrix macro",
                    actions=[
                        macro_pb2.MacroAction(add_message=macro_pb2.MacroMessage(body="Hi {{customer.first_name}}")),
                        macro_pb2.MacroAction(add_tags=macro_pb2.MacroTags(tags=["matrix"])),
                    ],
                )
            ),
            metadata=self.admin.metadata,
        )
        return macro.id


def _matrix_policy() -> sla_policy_pb2.SlaPolicy:
    return sla_policy_pb2.SlaPolicy(
        display_name="Matrix policy",
        priority=ticket_pb2.TICKET_PRIORITY_LOW,
        category=f"matrix-{uuid.uuid4().hex[:12]}",
        first_response_target=duration_pb2.Duration(seconds=3600),
        resolution_target=duration_pb2.Duration(seconds=86400),
    )


async def make_world(
    app: HelpdeskApp,
    *,
    auth: AuthStub,
    users: UserStub,
    tickets: TicketStub,
    chats: ChatStub,
    knowledge: KnowledgeStub,
    canned_responses: CannedResponseStub,
    macros: MacroStub,
    sla: SlaStub,
) -> World:
    """Signs every caller in once; deactivates the `deactivated` customer after they signed in."""
    customer_a, customer_b, doomed, agent, admin = await asyncio.gather(
        register(auth),
        register(auth),
        register(auth),
        sign_in_as(app, auth, Role.AGENT),
        sign_in_as(app, auth, Role.ADMIN),
    )
    callers = {
        "anonymous": Caller("anonymous"),
        "customer_a": Caller.of("customer_a", customer_a),
        "customer_b": Caller.of("customer_b", customer_b),
        "agent": Caller.of("agent", agent),
        "deactivated": Caller.of("deactivated", doomed),
        "admin": Caller.of("admin", admin),
    }
    # Used once while active, so that the server has the session cached when the account is deactivated.
    me = await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=doomed.metadata)
    assert me.id == doomed.user_id
    await users.UpdateUser(
        user_service_pb2.UpdateUserRequest(
            user=user_pb2.User(id=doomed.user_id, active=False), update_mask=field_mask_pb2.FieldMask(paths=["active"])
        ),
        metadata=admin.metadata,
    )
    callers["deactivated"].active = False
    world = World(
        auth=auth,
        users=users,
        tickets=tickets,
        chats=chats,
        knowledge=knowledge,
        canned_responses=canned_responses,
        macros=macros,
        callers=callers,
        sla=sla,
    )
    # Something for every caller to find.
    await world.fresh_article(published=True)
    return world


Builder = Callable[[World, Caller], Awaitable[Prepared]]

_ANY_STATE = (article_pb2.ARTICLE_STATE_DRAFT, article_pb2.ARTICLE_STATE_PUBLISHED, article_pb2.ARTICLE_STATE_ARCHIVED)


def _auth_builders() -> dict[str, Builder]:
    async def register_(world: World, caller: Caller) -> Prepared:
        request = auth_service_pb2.RegisterRequest(
            email=unique_email("matrix"), password="matrix pass 1", display_name="Matrix Customer"
        )
        return Prepared(request, caller.access_token)

    async def login(world: World, caller: Caller) -> Prepared:
        # Signing in is what anonymous callers do: as customer A.
        who = caller if caller.email else world.owner
        return Prepared(auth_service_pb2.LoginRequest(email=who.email, password=who.password), caller.access_token)

    async def refresh(world: World, caller: Caller) -> Prepared:
        # A session of its own, so that spending its refresh token leaves the caller's alone.
        _, refresh_token = await world.new_session(caller if caller.email else world.owner)
        return Prepared(auth_service_pb2.RefreshTokenRequest(refresh_token=refresh_token), caller.access_token)

    async def logout(world: World, caller: Caller) -> Prepared:
        access_token, _ = await world.new_session(caller)
        return Prepared(auth_service_pb2.LogoutRequest(), access_token)

    async def current_user(world: World, caller: Caller) -> Prepared:
        return Prepared(auth_service_pb2.GetCurrentUserRequest(), caller.access_token)

    async def change_password(world: World, caller: Caller) -> Prepared:
        new_password = f"matrix {uuid.uuid4().hex[:12]}"

        def adopt(response: Message) -> None:
            # Every older session of the caller has just ended: carry on with the new one.
            assert isinstance(response, auth_service_pb2.ChangePasswordResponse)
            assert response.user.id == caller.user_id
            caller.password = new_password
            caller.access_token = response.access_token
            caller.refresh_token = response.refresh_token

        request = auth_service_pb2.ChangePasswordRequest(
            current_password=caller.password or "matrix pass 1", new_password=new_password
        )
        return Prepared(request, caller.access_token, on_ok=adopt)

    return {
        "AuthService.Register": register_,
        "AuthService.Login": login,
        "AuthService.RefreshToken": refresh,
        "AuthService.Logout": logout,
        "AuthService.GetCurrentUser": current_user,
        "AuthService.ChangePassword": change_password,
    }


def _user_builders() -> dict[str, Builder]:
    async def create(world: World, caller: Caller) -> Prepared:
        request = user_service_pb2.CreateUserRequest(
            user=user_pb2.User(email=unique_email("agent"), display_name="Matrix Agent", role=user_pb2.ROLE_AGENT),
            password="matrix pass 1",
            request_id=str(uuid.uuid4()),
        )
        return Prepared(request, caller.access_token)

    async def list_(world: World, caller: Caller) -> Prepared:
        return Prepared(user_service_pb2.ListUsersRequest(query=world.owner.email), caller.access_token)

    async def get(world: World, caller: Caller) -> Prepared:
        owner = world.owner.user_id
        return Prepared(user_service_pb2.GetUserRequest(id=owner), caller.access_token, target=owner)

    async def update(world: World, caller: Caller) -> Prepared:
        owner = world.owner.user_id
        request = user_service_pb2.UpdateUserRequest(
            user=user_pb2.User(id=owner, display_name="Customer A"),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
        )
        return Prepared(request, caller.access_token, target=owner)

    return {
        "UserService.CreateUser": create,
        "UserService.ListUsers": list_,
        "UserService.GetUser": get,
        "UserService.UpdateUser": update,
    }


def _ticket_builders() -> dict[str, Builder]:
    def on_ticket(make: Callable[[str, World, Caller], Message]) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            ticket_id = await world.fresh_ticket()
            return Prepared(make(ticket_id, world, caller), caller.access_token, target=ticket_id)

        return build

    async def create(world: World, caller: Caller) -> Prepared:
        # Staff open tickets on a customer's behalf; customers open their own.
        staff = caller.name in ("agent", "admin")
        request = ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(
                subject="Matrix ticket",
                description="Opened in the access matrix",
                customer_id=world.owner.user_id if staff else "",
            ),
            request_id=str(uuid.uuid4()),
        )
        return Prepared(request, caller.access_token)

    async def conversation(world: World, caller: Caller) -> Prepared:
        ticket_id = await world.fresh_ticket()
        for author, internal in ((world.owner, False), (world.agent, True)):
            await world.tickets.AddTicketMessage(
                ticket_service_pb2.AddTicketMessageRequest(
                    ticket_id=ticket_id, body=f"{author.name} writes", internal=internal
                ),
                metadata=author.metadata,
            )

        def notes_only_for_staff(response: Message) -> None:
            assert isinstance(response, ticket_service_pb2.ListTicketMessagesResponse)
            seen = {(m.body, m.internal) for m in response.messages}
            staff = caller.name in ("agent", "admin")
            assert seen == (
                {("customer_a writes", False), ("agent writes", True)} if staff else {("customer_a writes", False)}
            )

        request = ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket_id)
        return Prepared(request, caller.access_token, target=ticket_id, on_ok=notes_only_for_staff)

    async def rate(world: World, caller: Caller) -> Prepared:
        ticket_id = await world.fresh_ticket()
        await world.tickets.ChangeTicketStatus(
            ticket_service_pb2.ChangeTicketStatusRequest(id=ticket_id, status=ticket_pb2.TICKET_STATUS_RESOLVED),
            metadata=world.agent.metadata,
        )
        request = ticket_service_pb2.RateTicketRequest(id=ticket_id, rating=5, comment="Solved")
        return Prepared(request, caller.access_token, target=ticket_id)

    async def list_(world: World, caller: Caller) -> Prepared:
        def only_own(response: Message) -> None:
            assert isinstance(response, ticket_service_pb2.ListTicketsResponse)
            if caller.name.startswith("customer"):
                assert {t.customer_id for t in response.tickets} <= {caller.user_id}

        return Prepared(ticket_service_pb2.ListTicketsRequest(page_size=50), caller.access_token, on_ok=only_own)

    return {
        "TicketService.CreateTicket": create,
        "TicketService.GetTicket": on_ticket(lambda tid, w, c: ticket_service_pb2.GetTicketRequest(id=tid)),
        "TicketService.ListTickets": list_,
        "TicketService.WatchTickets": on_ticket(
            lambda tid, w, c: ticket_service_pb2.WatchTicketsRequest(ticket_id=tid, after_cursor="")
        ),
        "TicketService.UpdateTicket": on_ticket(
            lambda tid, w, c: ticket_service_pb2.UpdateTicketRequest(
                ticket=ticket_pb2.Ticket(id=tid, subject="Edited in the matrix"),
                update_mask=field_mask_pb2.FieldMask(paths=["subject"]),
            )
        ),
        "TicketService.AssignTicket": on_ticket(
            lambda tid, w, c: ticket_service_pb2.AssignTicketRequest(id=tid, assignee_id=w.agent.user_id)
        ),
        "TicketService.ChangeTicketStatus": on_ticket(
            lambda tid, w, c: ticket_service_pb2.ChangeTicketStatusRequest(
                id=tid, status=ticket_pb2.TICKET_STATUS_CLOSED
            )
        ),
        "TicketService.DeleteTicket": on_ticket(lambda tid, w, c: ticket_service_pb2.DeleteTicketRequest(id=tid)),
        "TicketService.AddTicketMessage": on_ticket(
            lambda tid, w, c: ticket_service_pb2.AddTicketMessageRequest(
                ticket_id=tid, body="Any news?", request_id=str(uuid.uuid4())
            )
        ),
        "TicketService.AddTicketMessage[note]": on_ticket(
            lambda tid, w, c: ticket_service_pb2.AddTicketMessageRequest(
                ticket_id=tid, body="Internal: call them back", internal=True, request_id=str(uuid.uuid4())
            )
        ),
        "TicketService.ListTicketMessages": conversation,
        "TicketService.RateTicket": rate,
        "TicketService.ListTicketEvents": on_ticket(
            lambda tid, w, c: ticket_service_pb2.ListTicketEventsRequest(ticket_id=tid)
        ),
    }


def _chat_builders() -> dict[str, Builder]:
    def on_chat(state: str, make: Callable[[str, World, Caller], Message]) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            chat_id = await world.fresh_chat(state)
            return Prepared(make(chat_id, world, caller), caller.access_token, target=chat_id)

        return build

    def plain(request: Message) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            return Prepared(request, caller.access_token)

        return build

    async def list_(world: World, caller: Caller) -> Prepared:
        def only_own(response: Message) -> None:
            assert isinstance(response, chat_service_pb2.ListChatsResponse)
            if caller.name.startswith("customer"):
                assert {c.customer_id for c in response.chats} <= {caller.user_id}

        return Prepared(chat_service_pb2.ListChatsRequest(page_size=50), caller.access_token, on_ok=only_own)

    return {
        "ChatService.StartChat": plain(chat_service_pb2.StartChatRequest(topic="Matrix", message="Hi there")),
        "ChatService.GetChat": on_chat("ACTIVE", lambda cid, w, c: chat_service_pb2.GetChatRequest(id=cid)),
        "ChatService.ListChats": list_,
        "ChatService.AcceptChat": on_chat("WAITING", lambda cid, w, c: chat_service_pb2.AcceptChatRequest(id=cid)),
        # The agent hands the chat to the administrator; the administrator takes it from the agent.
        "ChatService.TransferChat": on_chat(
            "ACTIVE", lambda cid, w, c: chat_service_pb2.TransferChatRequest(id=cid, agent_id=w.admin.user_id)
        ),
        "ChatService.EndChat": on_chat("ACTIVE", lambda cid, w, c: chat_service_pb2.EndChatRequest(id=cid)),
        "ChatService.RateChat": on_chat(
            "ENDED", lambda cid, w, c: chat_service_pb2.RateChatRequest(id=cid, rating=5, feedback="Quick")
        ),
        "ChatService.SendChatMessage": on_chat(
            "ACTIVE",
            lambda cid, w, c: chat_service_pb2.SendChatMessageRequest(
                chat_id=cid, body="Still there?", request_id=str(uuid.uuid4())
            ),
        ),
        "ChatService.ListChatMessages": on_chat(
            "ACTIVE", lambda cid, w, c: chat_service_pb2.ListChatMessagesRequest(chat_id=cid)
        ),
        "ChatService.StreamChat": on_chat("ACTIVE", lambda cid, w, c: chat_service_pb2.StreamChatRequest(chat_id=cid)),
        "ChatService.Converse": on_chat(
            "ACTIVE",
            lambda cid, w, c: chat_service_pb2.ConverseRequest(join=chat_service_pb2.ConverseRequest.Join(chat_id=cid)),
        ),
        "ChatService.SetTyping": on_chat(
            "ACTIVE", lambda cid, w, c: chat_service_pb2.SetTypingRequest(chat_id=cid, typing=True)
        ),
        "ChatService.MarkRead": on_chat(
            "ACTIVE", lambda cid, w, c: chat_service_pb2.MarkReadRequest(chat_id=cid, last_read_seq=1)
        ),
        "ChatService.WatchQueue": plain(chat_service_pb2.WatchQueueRequest()),
        "ChatService.SetAvailability": plain(
            chat_service_pb2.SetAvailabilityRequest(availability=agent_pb2.AGENT_AVAILABILITY_ONLINE)
        ),
        "ChatService.ListAgents": plain(chat_service_pb2.ListAgentsRequest(page_size=10)),
        "ChatService.CreateTicketFromChat": on_chat(
            "ACTIVE", lambda cid, w, c: chat_service_pb2.CreateTicketFromChatRequest(id=cid, subject="From the chat")
        ),
    }


def _knowledge_builders() -> dict[str, Builder]:
    def on_article(published: bool, make: Callable[[str, World, Caller], Message]) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            article_id = await world.fresh_article(published=published)
            return Prepared(make(article_id, world, caller), caller.access_token, target=article_id)

        return build

    async def create(world: World, caller: Caller) -> Prepared:
        request = knowledge_service_pb2.CreateArticleRequest(
            article=article_pb2.Article(title=f"Matrix new {uuid.uuid4().hex[:12]}", body="Fresh text."),
            request_id=str(uuid.uuid4()),
        )
        return Prepared(request, caller.access_token)

    async def list_(world: World, caller: Caller) -> Prepared:
        def only_published(response: Message) -> None:
            assert isinstance(response, knowledge_service_pb2.ListArticlesResponse)
            assert response.articles
            if caller.name not in ("agent", "admin"):
                assert {a.state for a in response.articles} == {article_pb2.ARTICLE_STATE_PUBLISHED}

        # Drafts asked for by everyone: only staff may get them, for the others the filter narrows.
        request = knowledge_service_pb2.ListArticlesRequest(page_size=50, states=_ANY_STATE)
        return Prepared(request, caller.access_token, on_ok=only_published)

    async def search(world: World, caller: Caller) -> Prepared:
        def only_published(response: Message) -> None:
            assert isinstance(response, knowledge_service_pb2.SearchArticlesResponse)
            assert response.results
            if caller.name not in ("agent", "admin"):
                assert {r.article.state for r in response.results} == {article_pb2.ARTICLE_STATE_PUBLISHED}

        request = knowledge_service_pb2.SearchArticlesRequest(query=world.search_word, states=_ANY_STATE)
        return Prepared(request, caller.access_token, on_ok=only_published)

    async def categories(world: World, caller: Caller) -> Prepared:
        return Prepared(knowledge_service_pb2.ListCategoriesRequest(), caller.access_token)

    def vote(aid: str, world: World, caller: Caller) -> Message:
        return knowledge_service_pb2.VoteArticleRequest(id=aid, vote=article_pb2.ARTICLE_VOTE_HELPFUL)

    return {
        "KnowledgeService.CreateArticle": create,
        "KnowledgeService.GetArticle[draft]": on_article(
            False, lambda aid, w, c: knowledge_service_pb2.GetArticleRequest(id=aid)
        ),
        "KnowledgeService.GetArticle[published]": on_article(
            True, lambda aid, w, c: knowledge_service_pb2.GetArticleRequest(id=aid)
        ),
        "KnowledgeService.ListArticles": list_,
        "KnowledgeService.SearchArticles": search,
        "KnowledgeService.UpdateArticle": on_article(
            False,
            lambda aid, w, c: knowledge_service_pb2.UpdateArticleRequest(
                article=article_pb2.Article(id=aid, title=f"Retitled {uuid.uuid4().hex[:12]}"),
                update_mask=field_mask_pb2.FieldMask(paths=["title"]),
            ),
        ),
        "KnowledgeService.DeleteArticle": on_article(
            False, lambda aid, w, c: knowledge_service_pb2.DeleteArticleRequest(id=aid)
        ),
        "KnowledgeService.PublishArticle": on_article(
            False, lambda aid, w, c: knowledge_service_pb2.PublishArticleRequest(id=aid)
        ),
        "KnowledgeService.UnpublishArticle": on_article(
            True, lambda aid, w, c: knowledge_service_pb2.UnpublishArticleRequest(id=aid)
        ),
        "KnowledgeService.VoteArticle[published]": on_article(True, vote),
        "KnowledgeService.VoteArticle[draft]": on_article(False, vote),
        "KnowledgeService.ListCategories": categories,
    }


def _sla_builders() -> dict[str, Builder]:
    def on_policy(make: Callable[[str, World, Caller], Message]) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            policy_id = await world.fresh_sla_policy()
            return Prepared(make(policy_id, world, caller), caller.access_token, target=policy_id)

        return build

    async def create(world: World, caller: Caller) -> Prepared:
        request = sla_service_pb2.CreateSlaPolicyRequest(sla_policy=_matrix_policy(), request_id=str(uuid.uuid4()))
        return Prepared(request, caller.access_token)

    async def list_(world: World, caller: Caller) -> Prepared:
        return Prepared(sla_service_pb2.ListSlaPoliciesRequest(page_size=10), caller.access_token)

    return {
        "SlaService.CreateSlaPolicy": create,
        "SlaService.GetSlaPolicy": on_policy(lambda pid, w, c: sla_service_pb2.GetSlaPolicyRequest(id=pid)),
        "SlaService.ListSlaPolicies": list_,
        "SlaService.UpdateSlaPolicy": on_policy(
            lambda pid, w, c: sla_service_pb2.UpdateSlaPolicyRequest(
                sla_policy=sla_policy_pb2.SlaPolicy(id=pid, display_name="Renamed in the matrix"),
                update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
            )
        ),
        "SlaService.DeleteSlaPolicy": on_policy(lambda pid, w, c: sla_service_pb2.DeleteSlaPolicyRequest(id=pid)),
    }


def _canned_response_builders() -> dict[str, Builder]:
    def on_response(shared: bool, make: Callable[[str, World, Caller], Message]) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            response_id = await world.fresh_canned_response(shared=shared)
            return Prepared(make(response_id, world, caller), caller.access_token, target=response_id)

        return build

    def create(scope: int) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            request = canned_response_service_pb2.CreateCannedResponseRequest(
                canned_response=canned_response_pb2.CannedResponse(
                    title="Matrix new reply",
                    body="Ticket #{{ticket.number}}",
                    scope=scope,  # type: ignore[arg-type]
                ),
                request_id=str(uuid.uuid4()),
            )
            return Prepared(request, caller.access_token)

        return build

    async def list_(world: World, caller: Caller) -> Prepared:
        def shared_and_own(response: Message) -> None:
            assert isinstance(response, canned_response_service_pb2.ListCannedResponsesResponse)
            assert {r.owner_id for r in response.canned_responses} <= {"", caller.user_id}

        await world.fresh_canned_response(shared=False)
        request = canned_response_service_pb2.ListCannedResponsesRequest(query="Matrix", page_size=200)
        return Prepared(request, caller.access_token, on_ok=shared_and_own)

    async def render(world: World, caller: Caller) -> Prepared:
        response_id = await world.fresh_canned_response(shared=True)
        ticket_id = await world.fresh_ticket()
        request = canned_response_service_pb2.RenderCannedResponseRequest(id=response_id, ticket_id=ticket_id)
        return Prepared(request, caller.access_token)

    def get(rid: str, world: World, caller: Caller) -> Message:
        return canned_response_service_pb2.GetCannedResponseRequest(id=rid)

    def update(rid: str, world: World, caller: Caller) -> Message:
        return canned_response_service_pb2.UpdateCannedResponseRequest(
            canned_response=canned_response_pb2.CannedResponse(id=rid, title="Matrix edited reply"),
            update_mask=field_mask_pb2.FieldMask(paths=["title"]),
        )

    def delete(rid: str, world: World, caller: Caller) -> Message:
        return canned_response_service_pb2.DeleteCannedResponseRequest(id=rid)

    service = "CannedResponseService"
    return {
        f"{service}.CreateCannedResponse": create(canned_response_pb2.CANNED_RESPONSE_SCOPE_PERSONAL),
        f"{service}.CreateCannedResponse[shared]": create(canned_response_pb2.CANNED_RESPONSE_SCOPE_SHARED),
        f"{service}.GetCannedResponse[shared]": on_response(True, get),
        f"{service}.GetCannedResponse[personal]": on_response(False, get),
        f"{service}.ListCannedResponses": list_,
        f"{service}.UpdateCannedResponse[shared]": on_response(True, update),
        f"{service}.UpdateCannedResponse[personal]": on_response(False, update),
        f"{service}.DeleteCannedResponse[shared]": on_response(True, delete),
        f"{service}.DeleteCannedResponse[personal]": on_response(False, delete),
        f"{service}.RenderCannedResponse": render,
    }


def _macro_builders() -> dict[str, Builder]:
    def on_macro(make: Callable[[str, World, Caller], Message]) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            macro_id = await world.fresh_macro()
            return Prepared(make(macro_id, world, caller), caller.access_token, target=macro_id)

        return build

    async def create(world: World, caller: Caller) -> Prepared:
        request = macro_service_pb2.CreateMacroRequest(
            macro=macro_pb2.Macro(
                name="Matrix new macro",
                actions=[macro_pb2.MacroAction(set_priority=ticket_pb2.TICKET_PRIORITY_HIGH)],
            ),
            request_id=str(uuid.uuid4()),
        )
        return Prepared(request, caller.access_token)

    async def list_(world: World, caller: Caller) -> Prepared:
        return Prepared(macro_service_pb2.ListMacrosRequest(page_size=10), caller.access_token)

    async def apply(world: World, caller: Caller) -> Prepared:
        macro_id = await world.fresh_macro()
        ticket_id = await world.fresh_ticket()
        request = macro_service_pb2.ApplyMacroRequest(id=macro_id, ticket_id=ticket_id, request_id=str(uuid.uuid4()))
        return Prepared(request, caller.access_token)

    return {
        "MacroService.CreateMacro": create,
        "MacroService.GetMacro": on_macro(lambda mid, w, c: macro_service_pb2.GetMacroRequest(id=mid)),
        "MacroService.ListMacros": list_,
        "MacroService.UpdateMacro": on_macro(
            lambda mid, w, c: macro_service_pb2.UpdateMacroRequest(
                macro=macro_pb2.Macro(id=mid, name="Matrix renamed macro"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"]),
            )
        ),
        "MacroService.DeleteMacro": on_macro(lambda mid, w, c: macro_service_pb2.DeleteMacroRequest(id=mid)),
        "MacroService.ApplyMacro": apply,
    }


def _privacy_builders() -> dict[str, Builder]:
    async def export_own(world: World, caller: Caller) -> Prepared:
        def own_only(response: Message) -> None:
            assert isinstance(response, personal_data_pb2.PersonalDataExport)
            assert response.profile.id == caller.user_id

        return Prepared(privacy_service_pb2.ExportMyDataRequest(user_id="me"), caller.access_token, on_ok=own_only)

    async def export_owner(world: World, caller: Caller) -> Prepared:
        owner = world.owner.user_id
        return Prepared(privacy_service_pb2.ExportMyDataRequest(user_id=owner), caller.access_token, target=owner)

    async def erase(world: World, caller: Caller) -> Prepared:
        # A customer of its own for every call: an erasure cannot be undone.
        doomed = await register(world.auth)
        user = await world.users.GetUser(
            user_service_pb2.GetUserRequest(id=doomed.user_id), metadata=world.admin.metadata
        )
        request = privacy_service_pb2.EraseCustomerRequest(user_id=doomed.user_id, etag=user.etag)
        return Prepared(request, caller.access_token, target=doomed.user_id)

    async def get_policy(world: World, caller: Caller) -> Prepared:
        return Prepared(privacy_service_pb2.GetRetentionPolicyRequest(), caller.access_token)

    async def update_policy(world: World, caller: Caller) -> Prepared:
        # Off, as it is by default: the matrix deletes nothing.
        request = privacy_service_pb2.UpdateRetentionPolicyRequest(
            retention_policy=retention_policy_pb2.RetentionPolicy(closed_ticket_days=0),
            update_mask=field_mask_pb2.FieldMask(paths=["closed_ticket_days"]),
        )
        return Prepared(request, caller.access_token)

    return {
        "PrivacyService.GetRetentionPolicy": get_policy,
        "PrivacyService.UpdateRetentionPolicy": update_policy,
        "PrivacyService.ExportMyData": export_own,
        "PrivacyService.ExportMyData[another user]": export_owner,
        "PrivacyService.EraseCustomer": erase,
    }


def _assignment_builders() -> dict[str, Builder]:
    def plain(request: Message) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            return Prepared(request, caller.access_token)

        return build

    async def update_capacity(world: World, caller: Caller) -> Prepared:
        request = assignment_service_pb2.UpdateAgentCapacityRequest(
            capacity=assignment_pb2.AgentCapacity(agent_id=world.agent.user_id, ticket_capacity=10),
            update_mask=field_mask_pb2.FieldMask(paths=["ticket_capacity"]),
        )
        return Prepared(request, caller.access_token)

    # The values the desk has by default: automatic assignment stays off for the other cells.
    settings = assignment_service_pb2.UpdateAssignmentSettingsRequest(
        settings=assignment_pb2.AssignmentSettings(default_ticket_capacity=10),
        update_mask=field_mask_pb2.FieldMask(paths=["default_ticket_capacity"]),
    )
    return {
        "AssignmentService.GetAssignmentSettings": plain(assignment_service_pb2.GetAssignmentSettingsRequest()),
        "AssignmentService.UpdateAssignmentSettings": plain(settings),
        "AssignmentService.ListAgentCapacities": plain(assignment_service_pb2.ListAgentCapacitiesRequest()),
        "AssignmentService.UpdateAgentCapacity": update_capacity,
    }


def _report_query(**fields: Any) -> report_pb2.ReportQuery:
    query = report_pb2.ReportQuery(
        time_zone="America/Sao_Paulo", bucket=report_pb2.REPORT_BUCKET_DAY, group_by=report_pb2.REPORT_DIMENSION_AGENT
    )
    query.start_time.FromDatetime(datetime(2026, 1, 1, tzinfo=UTC))
    query.end_time.FromDatetime(datetime(2026, 1, 8, tzinfo=UTC))
    for name, value in fields.items():
        setattr(query, name, value)
    return query


def _report_builders() -> dict[str, Builder]:
    def own_series_only(caller: Caller) -> Callable[[Message], None]:
        def check(response: Message) -> None:
            # Grouped by agent, an agent's report has at most one series: their own.
            groups = [series.group for series in getattr(response, "series", [])]
            groups += [load.agent for load in getattr(response, "agents", [])]
            if caller.name == "agent":
                assert all(group.agent_id == caller.user_id for group in groups), groups

        return check

    def plain(request_type: Callable[..., Message]) -> Builder:
        async def build(world: World, caller: Caller) -> Prepared:
            return Prepared(request_type(query=_report_query()), caller.access_token, on_ok=own_series_only(caller))

        return build

    async def another_agent(world: World, caller: Caller) -> Prepared:
        other = world.admin.user_id
        request = report_service_pb2.GetTicketReportRequest(query=_report_query(agent_id=other))
        return Prepared(request, caller.access_token, target=other)

    async def export(world: World, caller: Caller) -> Prepared:
        request = report_service_pb2.ExportReportRequest(kind=report_pb2.REPORT_KIND_TICKETS, query=_report_query())
        return Prepared(request, caller.access_token)

    return {
        "ReportService.GetTicketReport": plain(report_service_pb2.GetTicketReportRequest),
        "ReportService.GetTicketReport[another agent]": another_agent,
        "ReportService.GetChatReport": plain(report_service_pb2.GetChatReportRequest),
        "ReportService.GetSatisfactionReport": plain(report_service_pb2.GetSatisfactionReportRequest),
        "ReportService.GetAgentLoadReport": plain(report_service_pb2.GetAgentLoadReportRequest),
        "ReportService.ExportReport": export,
    }


BUILDERS: dict[str, Builder] = {
    **_auth_builders(),
    **_user_builders(),
    **_ticket_builders(),
    **_chat_builders(),
    **_knowledge_builders(),
    **_sla_builders(),
    **_canned_response_builders(),
    **_macro_builders(),
    **_privacy_builders(),
    **_assignment_builders(),
    **_report_builders(),
}
