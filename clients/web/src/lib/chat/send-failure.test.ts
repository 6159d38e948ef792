import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { classifySendFailure } from "./send-failure";

function withReason(code: Code, reason: string): ConnectError {
  return new ConnectError("refused", code, undefined, [{ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason }) }]);
}

describe("classifySendFailure", () => {
  it("treats network trouble as transient: the same request_id goes again later", () => {
    expect(classifySendFailure(new TypeError("Failed to fetch"))).toEqual({ kind: "offline", transient: true });
    expect(classifySendFailure(new ConnectError("down", Code.Unavailable))).toEqual({ kind: "offline", transient: true });
    expect(classifySendFailure(new ConnectError("slow", Code.DeadlineExceeded)).transient).toBe(true);
  });

  it("waits as long as the server's rate limit asks", () => {
    const failure = classifySendFailure(new ConnectError("slow down", Code.ResourceExhausted));
    expect(failure).toMatchObject({ kind: "rateLimited", transient: true });
  });

  it("holds a message for the user when the chat has ended or the body was refused", () => {
    expect(classifySendFailure(withReason(Code.FailedPrecondition, "CHAT_ENDED"))).toEqual({ kind: "chatEnded", transient: false });
    expect(classifySendFailure(new ConnectError("bad", Code.InvalidArgument))).toEqual({ kind: "rejected", transient: false });
    expect(classifySendFailure(new ConnectError("who", Code.Unauthenticated))).toEqual({ kind: "signedOut", transient: false });
  });
});
