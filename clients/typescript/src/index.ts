// @helpdesk/client: the helpdesk.v1 API for TypeScript, in browsers and Node 20+.
//
// The messages and services are generated from protos/ into src/gen/ by `make generate`
// (protoc-gen-es v2); never edit src/gen/ by hand. `HelpdeskClient` (src/client/) wraps them.
// Each service descriptor (AuthService, TicketService, ...) also works directly
// with @connectrpc/connect's `createClient` over the gRPC-Web transport of
// @connectrpc/connect-web (`createGrpcWebTransport`) pointed at the Envoy gateway; messages are
// built with `create(TicketSchema, {...})` from @bufbuild/protobuf.

export * from "./gen/helpdesk/v1/access_pb.js";
export * from "./gen/helpdesk/v1/agent_pb.js";
export * from "./gen/helpdesk/v1/assignment_pb.js";
export * from "./gen/helpdesk/v1/assignment_service_pb.js";
export * from "./gen/helpdesk/v1/article_pb.js";
export * from "./gen/helpdesk/v1/auth_service_pb.js";
export * from "./gen/helpdesk/v1/canned_response_pb.js";
export * from "./gen/helpdesk/v1/canned_response_service_pb.js";
export * from "./gen/helpdesk/v1/chat_event_pb.js";
export * from "./gen/helpdesk/v1/chat_pb.js";
export * from "./gen/helpdesk/v1/chat_service_pb.js";
export * from "./gen/helpdesk/v1/error_reason_pb.js";
export * from "./gen/helpdesk/v1/knowledge_service_pb.js";
export * from "./gen/helpdesk/v1/macro_pb.js";
export * from "./gen/helpdesk/v1/macro_service_pb.js";
export * from "./gen/helpdesk/v1/personal_data_pb.js";
export * from "./gen/helpdesk/v1/privacy_service_pb.js";
export * from "./gen/helpdesk/v1/report_pb.js";
export * from "./gen/helpdesk/v1/report_service_pb.js";
export * from "./gen/helpdesk/v1/sla_policy_pb.js";
export * from "./gen/helpdesk/v1/sla_service_pb.js";
export * from "./gen/helpdesk/v1/ticket_change_pb.js";
export * from "./gen/helpdesk/v1/ticket_event_pb.js";
export * from "./gen/helpdesk/v1/ticket_message_pb.js";
export * from "./gen/helpdesk/v1/ticket_pb.js";
export * from "./gen/helpdesk/v1/ticket_service_pb.js";
export * from "./gen/helpdesk/v1/user_pb.js";
export * from "./gen/helpdesk/v1/user_service_pb.js";

// The standard gRPC health service (grpc.health.v1), beside the API: createClient(Health, client.transport)
// (not a HelpdeskClient member, so that browser apps that never call it do not download it).
export * from "./gen/grpc/health/v1/health_pb.js";

// google.rpc error details (decoded by HelpdeskError from grpc-status-details-bin).
export {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
  type BadRequest,
  type BadRequest_FieldViolation,
  type ErrorInfo,
  type RetryInfo,
} from "./gen/google/rpc/error_details_pb.js";

// The hand-written wrapper: sign-in, token refresh, error decoding, chat resume.
export * from "./client/index.js";
