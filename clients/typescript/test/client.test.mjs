// The TypeScript client against a real stack (Envoy + server), run by node's test runner:
//   HELPDESK_GATEWAY_URL=http://127.0.0.1:8080 node --test test/
// tests/clients/typescript/test_node_client.py starts the stack and runs this with the URL set
// (and HELPDESK_AGENT_EMAIL / HELPDESK_AGENT_PASSWORD, an agent for the chat test). Services that
// answer UNIMPLEMENTED (not landed yet) make their test skip, not fail.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { Code, createClient } from "@connectrpc/connect";
import {
  ChatStatus,
  ErrorReason,
  Health,
  HealthCheckResponse_ServingStatus,
  HelpdeskClient,
  HelpdeskError,
  lazyClient,
  Role,
  TicketChangeKind,
  TicketPriority,
  TicketService,
} from "../dist/index.js";

const baseUrl = process.env.HELPDESK_GATEWAY_URL;
const PASSWORD = "correct horse battery";

function email(prefix = "node") {
  return `${prefix}-${randomUUID().slice(0, 10)}@example.com`;
}

async function customer(displayName = "Node Customer") {
  const client = new HelpdeskClient({ baseUrl });
  await client.register(email(), PASSWORD, displayName);
  return client;
}

/** Runs `body`; skips the test when the service has not landed yet. */
async function unlessUnimplemented(t, body) {
  try {
    await body();
  } catch (error) {
    if (error instanceof HelpdeskError && error.code === Code.Unimplemented) {
      t.skip(`not implemented by the server yet: ${error.rawMessage}`);
      return;
    }
    throw error;
  }
}

test("the gateway URL is given", () => {
  assert.ok(baseUrl, "set HELPDESK_GATEWAY_URL");
});

test("the server reports its health over gRPC-Web, overall and per service", async () => {
  const health = createClient(Health, new HelpdeskClient({ baseUrl }).transport);
  const overall = await health.check({ service: "" });
  assert.equal(overall.status, HealthCheckResponse_ServingStatus.SERVING);
  const tickets = await health.check({ service: "helpdesk.v1.TicketService" });
  assert.equal(tickets.status, HealthCheckResponse_ServingStatus.SERVING);
  await assert.rejects(health.check({ service: "helpdesk.v1.NoSuchService" }), (error) => {
    assert.ok(error instanceof HelpdeskError);
    assert.equal(error.code, Code.NotFound);
    return true;
  });
});

test("register, sign in and read the current user", async () => {
  const address = email();
  const first = new HelpdeskClient({ baseUrl });
  const registered = await first.register(address, PASSWORD, "Node Tester");
  assert.equal(registered.email, address);

  const second = new HelpdeskClient({ baseUrl });
  const user = await second.signIn(address, PASSWORD);
  assert.equal(user.id, registered.id);
  const me = await second.auth.getCurrentUser({});
  assert.equal(me.email, address);
  assert.equal(me.displayName, "Node Tester");
});

test("bad input is a HelpdeskError with decoded BadRequest and ErrorInfo", async () => {
  const client = new HelpdeskClient({ baseUrl });
  await assert.rejects(client.register("not-an-email", PASSWORD, "Bad"), (error) => {
    assert.ok(error instanceof HelpdeskError);
    assert.equal(error.code, Code.InvalidArgument);
    assert.ok("email" in error.fieldViolations, JSON.stringify(error.fieldViolations));
    assert.equal(error.reason, "INVALID_ARGUMENT");
    assert.equal(error.errorReason, ErrorReason.INVALID_ARGUMENT);
    assert.equal(error.errorInfo.domain, "helpdesk.v1");
    return true;
  });
});

test("a wrong password is UNAUTHENTICATED", async () => {
  const client = new HelpdeskClient({ baseUrl });
  await assert.rejects(client.signIn(email(), "wrong password"), (error) => {
    assert.ok(error instanceof HelpdeskError);
    assert.equal(error.code, Code.Unauthenticated);
    return true;
  });
});

test("a rejected access token is refreshed once and the call retried", async () => {
  const client = await customer("Rejected");
  const reasons = [];
  client.session.onRefresh = (reason) => reasons.push(reason);
  client.useTokens("not.a.jwt", client.session.tokens.refreshToken);

  const me = await client.auth.getCurrentUser({});

  assert.equal(me.displayName, "Rejected");
  assert.deepEqual(reasons, ["rejected"]);
});

test("an access token about to expire is refreshed before the call", async () => {
  let skew = 0;
  const client = new HelpdeskClient({ baseUrl, now: () => Date.now() + skew });
  await client.register(email(), PASSWORD, "Expiring");
  const before = client.session.tokens;
  const reasons = [];
  client.session.onRefresh = (reason) => reasons.push(reason);
  // The client's clock jumps into the refresh margin; the server still accepts the old token.
  skew = before.refreshAt - Date.now() + 1;

  await client.auth.getCurrentUser({});

  assert.deepEqual(reasons, ["expiring"]);
  assert.notEqual(client.session.tokens.refreshToken, before.refreshToken);
});

test("create a ticket", async (t) => {
  const client = await customer();
  await unlessUnimplemented(t, async () => {
    const ticket = await client.tickets.createTicket({
      ticket: { subject: "Cannot sign in", description: "The page says my password is wrong.", priority: TicketPriority.HIGH },
      requestId: randomUUID(),
    });
    assert.ok(ticket.id);
    assert.ok(ticket.number > 0);
    assert.equal(ticket.subject, "Cannot sign in");
  });
});

test("search articles", async (t) => {
  const client = new HelpdeskClient({ baseUrl });
  await unlessUnimplemented(t, async () => {
    const answer = await client.knowledge.searchArticles({ query: "password", pageSize: 5 });
    assert.ok(Array.isArray(answer.results));
  });
});

test("stream a chat: the agent's message arrives live", async (t) => {
  const agentEmail = process.env.HELPDESK_AGENT_EMAIL;
  const agentPassword = process.env.HELPDESK_AGENT_PASSWORD;
  if (!agentEmail) {
    t.skip("no agent account given (HELPDESK_AGENT_EMAIL)");
    return;
  }
  const client = await customer("Chatty");
  await unlessUnimplemented(t, async () => {
    const started = await client.chat.startChat({ topic: "billing", message: "Hello?", requestId: randomUUID() });
    const chatId = started.chat.id;
    const agent = new HelpdeskClient({ baseUrl });
    await agent.signIn(agentEmail, agentPassword);

    const controller = new AbortController();
    const received = (async () => {
      for await (const event of client.streamChat(chatId, { signal: controller.signal })) {
        if (event.event.case === "message" && event.event.value.body === "Hi, I am here to help") {
          return event.event.value;
        }
      }
      return undefined;
    })();
    await agent.chat.acceptChat({ id: chatId });
    await agent.chat.sendChatMessage({ chatId, body: "Hi, I am here to help", requestId: randomUUID() });

    const message = await received;
    controller.abort();
    assert.ok(message, "the agent's message did not arrive");
    assert.ok(message.seq >= 2);
    const chat = await client.chat.getChat({ id: chatId });
    assert.equal(chat.status, ChatStatus.ACTIVE);
  });
});

test("a chat stream outlives the client's unary deadline: no reconnect, later messages still live", async (t) => {
  const registered = await customer("Patient");
  const started = await registered.chat.startChat({ topic: "slow", message: "first", requestId: randomUUID() });
  // Same account, on a client whose unary calls time out after 1.5 s: the stream must not inherit it.
  const client = new HelpdeskClient({ baseUrl, timeoutMs: 1500 });
  await client.signIn(registered.user.email, PASSWORD);
  await unlessUnimplemented(t, async () => {
    const chatId = started.chat.id;
    const controller = new AbortController();
    let reconnects = 0;
    const bodies = [];
    const done = (async () => {
      const events = client.streamChat(chatId, { signal: controller.signal, onReconnect: () => (reconnects += 1) });
      for await (const event of events) {
        if (event.event.case === "message") {
          bodies.push(event.event.value.body);
          if (event.event.value.body === "after the deadline") {
            return;
          }
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await client.chat.sendChatMessage({ chatId, body: "after the deadline", requestId: randomUUID() });
    await done;
    controller.abort();
    assert.deepEqual(bodies, ["first", "after the deadline"]);
    assert.equal(reconnects, 0, "the stream was cut by the unary deadline and resumed");
  });
});

/** The agent of the chat and ticket-watch tests, or undefined when none was given. */
async function agentClient(t) {
  const agentEmail = process.env.HELPDESK_AGENT_EMAIL;
  if (!agentEmail) {
    t.skip("no agent account given (HELPDESK_AGENT_EMAIL)");
    return undefined;
  }
  const agent = new HelpdeskClient({ baseUrl });
  await agent.signIn(agentEmail, process.env.HELPDESK_AGENT_PASSWORD);
  return agent;
}

test("watch tickets over gRPC-Web: changes arrive live, and a resume replays exactly what was missed", async (t) => {
  const agent = await agentClient(t);
  if (!agent) {
    return;
  }
  const owner = await customer("Watched");
  const customerId = owner.user.id;
  let cursor = "";
  const live = new AbortController();
  let markCaughtUp;
  const caughtUp = new Promise((resolve) => (markCaughtUp = resolve));
  const firstTwo = (async () => {
    const seen = [];
    const changes = agent.watchTickets(
      { customerId },
      { signal: live.signal, markers: true, onCursor: (value) => (cursor = value) },
    );
    for await (const change of changes) {
      if (change.kind === TicketChangeKind.CAUGHT_UP) {
        markCaughtUp();
        continue;
      }
      if (change.kind !== TicketChangeKind.HEARTBEAT) {
        seen.push(change);
      }
      if (seen.length === 2) {
        return seen;
      }
    }
    return seen;
  })();
  await caughtUp;
  const ticket = await owner.tickets.createTicket({
    ticket: { subject: "Live list", description: "Appears without a reload." },
    requestId: randomUUID(),
  });
  await agent.tickets.addTicketMessage({ ticketId: ticket.id, body: "On it", internal: true });
  const seen = await firstTwo;
  live.abort();
  assert.deepEqual(
    seen.map((change) => change.kind),
    [TicketChangeKind.CREATED, TicketChangeKind.MESSAGE_ADDED],
  );
  assert.equal(seen[0].ticket.subject, "Live list");
  assert.equal(seen[1].message.internal, true);

  // Missed while away: two replies; the resumed stream replays them, then the customer's stream
  // (from the start of the ticket) never shows the internal note.
  await owner.tickets.addTicketMessage({ ticketId: ticket.id, body: "Any news?" });
  await agent.tickets.addTicketMessage({ ticketId: ticket.id, body: "Fixed" });
  const resumed = new AbortController();
  const replayed = [];
  for await (const change of agent.watchTickets({ customerId }, { afterCursor: cursor, signal: resumed.signal })) {
    replayed.push(change.message.body);
    if (replayed.length === 2) {
      resumed.abort();
    }
  }
  assert.deepEqual(replayed, ["Any news?", "Fixed"]);

  const own = new AbortController();
  const ownSeen = [];
  for await (const change of owner.watchTickets({}, { afterCursor: seen[0].cursor, signal: own.signal })) {
    ownSeen.push(change.message?.body ?? "");
    if (ownSeen.length === 2) {
      own.abort();
    }
  }
  assert.deepEqual(ownSeen, ["Any news?", "Fixed"]);
});

test("watch the chat queue over gRPC-Web: a waiting chat appears", async (t) => {
  const agent = await agentClient(t);
  if (!agent) {
    return;
  }
  const controller = new AbortController();
  const stream = agent.chat.watchQueue({}, { signal: controller.signal });
  const events = stream[Symbol.asyncIterator]();
  const first = await events.next();
  assert.equal(first.value.event.case, "snapshot");
  const waiting = await customer("Queued");
  const started = await waiting.chat.startChat({ topic: "queue", message: "Anyone there?", requestId: randomUUID() });
  let added;
  for (;;) {
    const next = await events.next();
    if (next.value.event.case === "chatAdded" && next.value.event.value.id === started.chat.id) {
      added = next.value.event.value;
      break;
    }
  }
  controller.abort();
  assert.equal(added.customerId, waiting.user.id);
});

test("staff services load on first call: an agent lists the agents through client.users", async (t) => {
  const agent = await agentClient(t);
  if (!agent) {
    return;
  }
  const [listed, again] = await Promise.all([
    agent.users.listUsers({ role: Role.AGENT, pageSize: 100 }),
    agent.users.listUsers({ role: Role.AGENT, pageSize: 100 }),
  ]);
  assert.ok(listed.users.some((user) => user.email === process.env.HELPDESK_AGENT_EMAIL));
  assert.deepEqual(
    again.users.map((user) => user.id),
    listed.users.map((user) => user.id),
  );
  // Refused calls of a lazily loaded service are HelpdeskErrors like any other.
  const stranger = await customer("Not Staff");
  await assert.rejects(stranger.users.listUsers({}), (error) => {
    assert.ok(error instanceof HelpdeskError);
    assert.equal(error.code, Code.PermissionDenied);
    return true;
  });
});

test("a lazy client streams server-streaming calls, and a failed load is UNAVAILABLE and retried", async (t) => {
  const agent = await agentClient(t);
  if (!agent) {
    return;
  }
  const tickets = lazyClient(agent.transport, async () => TicketService, { watchTickets: true });
  const controller = new AbortController();
  let caughtUp = false;
  for await (const change of tickets.watchTickets({}, { signal: controller.signal, timeoutMs: 0 })) {
    if (change.kind === TicketChangeKind.CAUGHT_UP) {
      caughtUp = true;
      controller.abort();
      break;
    }
  }
  assert.ok(caughtUp);

  let loads = 0;
  const flaky = lazyClient(
    agent.transport,
    async () => {
      loads += 1;
      if (loads === 1) {
        throw new TypeError("Failed to fetch dynamically imported module");
      }
      return TicketService;
    },
    { watchTickets: true },
  );
  await assert.rejects(flaky.listTickets({ pageSize: 1 }), (error) => {
    assert.ok(error instanceof HelpdeskError);
    assert.equal(error.code, Code.Unavailable);
    return true;
  });
  const page = await flaky.listTickets({ pageSize: 1 });
  assert.ok(Array.isArray(page.tickets));
  assert.equal(loads, 2);

  // A streaming table that disagrees with the descriptor fails loudly instead of calling wrongly.
  const stale = lazyClient(agent.transport, async () => TicketService, {});
  await assert.rejects(stale.listTickets({}), /streaming table is out of date/);
});
