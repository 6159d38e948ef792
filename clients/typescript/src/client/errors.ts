// HelpdeskError: the one error type of the client, with the google.rpc details of a failed call
// decoded from `grpc-status-details-bin` (exposed by the gateway's CORS policy).
//
//   Error
//   └── ConnectError            (@connectrpc/connect: code, rawMessage, metadata, findDetails())
//       └── HelpdeskError       every failed call made through a HelpdeskClient
//             .code             Code.InvalidArgument, Code.Unauthenticated, ...
//             .rawMessage       the status message
//             .fieldViolations  { "ticket.subject": "must not be empty", ... }  (google.rpc.BadRequest)
//             .reason           ErrorInfo reason, UPPER_SNAKE ("LOGIN_RATE_LIMITED"), or undefined
//             .errorReason      the same as an ErrorReason enum value, to switch on
//             .retryDelayMs     RetryInfo delay in milliseconds (RESOURCE_EXHAUSTED), or undefined

import { ConnectError, Code } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
  type BadRequest,
  type ErrorInfo,
  type RetryInfo,
} from "../gen/google/rpc/error_details_pb.js";
import { ErrorReason } from "../gen/helpdesk/v1/error_reason_pb.js";

/** A failed Helpdesk call: the status code, message and decoded google.rpc details. */
export class HelpdeskError extends ConnectError {
  /** The google.rpc.BadRequest detail, if the server sent one. */
  readonly badRequest: BadRequest | undefined;
  /** The google.rpc.ErrorInfo detail, if the server sent one. */
  readonly errorInfo: ErrorInfo | undefined;
  /** The google.rpc.RetryInfo detail, if the server sent one. */
  readonly retryInfo: RetryInfo | undefined;

  constructor(error: ConnectError) {
    super(error.rawMessage, error.code, error.metadata, undefined, error.cause);
    // `name` stays "ConnectError": Connect recognises its errors by name and shape (across
    // bundled copies), and an interceptor's error that it did not recognise would be re-wrapped.
    // The details as parsed from the wire (the constructor only takes outgoing ones).
    this.details = error.details;
    this.badRequest = error.findDetails(BadRequestSchema)[0];
    this.errorInfo = error.findDetails(ErrorInfoSchema)[0];
    this.retryInfo = error.findDetails(RetryInfoSchema)[0];
  }

  /** Bad fields of the request, by field path. */
  get fieldViolations(): Record<string, string> {
    const violations: Record<string, string> = {};
    for (const violation of this.badRequest?.fieldViolations ?? []) {
      violations[violation.field] = violation.description;
    }
    return violations;
  }

  /** The ErrorInfo reason (UPPER_SNAKE), or undefined. */
  get reason(): string | undefined {
    return this.errorInfo?.reason || undefined;
  }

  /** The reason as an `ErrorReason` to switch on; ERROR_REASON_UNSPECIFIED if absent or newer than this client. */
  get errorReason(): ErrorReason {
    const reason = this.reason;
    const value = reason === undefined ? undefined : (ErrorReason as Record<string, unknown>)[reason];
    return typeof value === "number" ? (value as ErrorReason) : ErrorReason.ERROR_REASON_UNSPECIFIED;
  }

  /** How long to wait before retrying, in milliseconds (RetryInfo), or undefined. */
  get retryDelayMs(): number | undefined {
    const delay = this.retryInfo?.retryDelay;
    if (delay === undefined) {
      return undefined;
    }
    return Number(delay.seconds) * 1000 + Math.floor(delay.nanos / 1e6);
  }

  /** Instances by prototype chain (ConnectError's own check would also accept plain ConnectErrors). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /** Any thrown value as a HelpdeskError (network failures become Code.Unknown or Unavailable). */
  static from(reason: unknown): HelpdeskError {
    if (reason instanceof HelpdeskError) {
      return reason;
    }
    return new HelpdeskError(ConnectError.from(reason, Code.Unknown));
  }
}
