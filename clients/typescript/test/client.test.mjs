// The TypeScript client against a real stack (Envoy + server), run by node's test runner:
//   HELPDESK_GATEWAY_URL=http://127.0.0.1:8080 node --test test/
// tests/clients/typescript/test_node_client.py starts the stack and runs this with the URL set
// (and HELPDESK_AGENT_EMAIL / HELPDESK_AGENT_PASSWORD, an agent for the chat test). Services that
// answer UNIMPLEMENTED (not landed yet) make their test skip, not fail.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { ChatStatus, ErrorReason, HelpdeskClient, HelpdeskError, TicketPriority } from "../dist/index.js";

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
