import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ChatSchema, ChatStatus } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { acceptLoss } from "./accept";

const refused = new ConnectError("the chat is no longer waiting", Code.FailedPrecondition);

describe("acceptLoss", () => {
  it("names the agent who won the race", () => {
    const now = create(ChatSchema, { id: "c", status: ChatStatus.ACTIVE, agentId: "ana", agentDisplayName: "Ana" });
    expect(acceptLoss("c", refused, now)).toEqual({ kind: "taken", chatId: "c", agentName: "Ana" });
  });

  it("says the customer left when the chat ended first", () => {
    const now = create(ChatSchema, { id: "c", status: ChatStatus.ENDED });
    expect(acceptLoss("c", refused, now)).toEqual({ kind: "ended", chatId: "c" });
  });

  it("reports other failures as they are", () => {
    const offline = new ConnectError("fetch failed", Code.Unavailable);
    expect(acceptLoss("c", offline, undefined)).toMatchObject({ kind: "failed", error: offline });
    expect(acceptLoss("c", refused, undefined).kind).toBe("failed");
  });
});
