import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { BadRequestSchema, ErrorInfoSchema, HelpdeskError } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { describeError, mapViolations, translateViolation, type Translate } from "./errors";

/** A t() that shows which key and values were asked for. */
const t: Translate = (key, options) => (options ? `${key}${JSON.stringify(options)}` : key);

function failure(code: Code, reason?: string, violations: Record<string, string> = {}): HelpdeskError {
  const details = [];
  if (reason) details.push({ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "helpdesk.v1" }) });
  const fieldViolations = Object.entries(violations).map(([field, description]) => ({ field, description }));
  if (fieldViolations.length) details.push({ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations }) });
  return new HelpdeskError(new ConnectError("failed", code, undefined, details));
}

describe("translateViolation", () => {
  it("turns known server descriptions into keys with their numbers", () => {
    expect(translateViolation("is required", t)).toBe("errors.field.required");
    expect(translateViolation("must be at most 200 characters", t)).toBe('errors.field.maxChars{"count":200}');
    expect(translateViolation("must be at least 8 bytes long", t)).toBe('errors.field.minPassword{"count":8}');
    expect(translateViolation("is not a valid email address", t)).toBe("errors.field.email");
  });

  it("keeps the server's words for descriptions it does not know", () => {
    expect(translateViolation("something new", t)).toBe('errors.field.invalid{"detail":"something new"}');
  });
});

describe("mapViolations", () => {
  it("places violations by explicit path, then by the last segment in camelCase", () => {
    const result = mapViolations(
      { "ticket.subject": "is required", display_name: "is required", "ticket.tags": "at most 10 tags" },
      ["subject", "displayName", "description"] as const,
      t,
      { "ticket.subject": "subject" },
    );
    expect(result.fields).toEqual({ subject: "errors.field.required", displayName: "errors.field.required" });
    expect(result.unplaced).toEqual(['ticket.tags: errors.field.invalid{"detail":"at most 10 tags"}']);
  });
});

describe("describeError", () => {
  it("prefers a known ErrorInfo reason", () => {
    expect(describeError(failure(Code.Unauthenticated, "INVALID_CREDENTIALS"), t)).toContain("errors.reason.INVALID_CREDENTIALS");
  });

  it("falls back on the status code for unknown reasons", () => {
    expect(describeError(failure(Code.NotFound, "SOMETHING_ELSE"), t)).toBe("errors.notFound");
    expect(describeError(failure(Code.Aborted), t)).toBe("errors.conflict");
  });

  it("words network failures as such", () => {
    expect(describeError(new TypeError("Failed to fetch"), t)).toBe("errors.network");
  });
});
