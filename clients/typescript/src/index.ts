// @helpdesk/client: the helpdesk.v1 API for TypeScript, in browsers and Node 20+.
//
// Everything here is generated from protos/ into src/gen/ by `make generate` (protoc-gen-es v2);
// never edit src/gen/ by hand. Each service descriptor (AuthService, TicketService, ...) works
// with @connectrpc/connect's `createClient` over the gRPC-Web transport of
// @connectrpc/connect-web (`createGrpcWebTransport`) pointed at the Envoy gateway; messages are
// built with `create(TicketSchema, {...})` from @bufbuild/protobuf.

export * from "./gen/helpdesk/v1/access_pb.js";
export * from "./gen/helpdesk/v1/agent_pb.js";
export * from "./gen/helpdesk/v1/article_pb.js";
export * from "./gen/helpdesk/v1/auth_service_pb.js";
export * from "./gen/helpdesk/v1/chat_event_pb.js";
export * from "./gen/helpdesk/v1/chat_pb.js";
export * from "./gen/helpdesk/v1/chat_service_pb.js";
export * from "./gen/helpdesk/v1/knowledge_service_pb.js";
export * from "./gen/helpdesk/v1/ticket_event_pb.js";
export * from "./gen/helpdesk/v1/ticket_message_pb.js";
export * from "./gen/helpdesk/v1/ticket_pb.js";
export * from "./gen/helpdesk/v1/ticket_service_pb.js";
export * from "./gen/helpdesk/v1/user_pb.js";
export * from "./gen/helpdesk/v1/user_service_pb.js";
