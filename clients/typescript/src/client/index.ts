// The hand-written part of @helpdesk/client: a thin wrapper over connect-web's gRPC-Web transport.

export { HelpdeskClient, type HelpdeskClientOptions } from "./client.js";
export { lazyClient, type StreamingMethodName, type StreamingMethods } from "./lazy.js";
export { HelpdeskError } from "./errors.js";
export { Session, authInterceptor, type RefreshReason, type TokenAnswer, type Tokens } from "./session.js";
export { resumableChatEvents, type ResumeOptions } from "./chat.js";
export { resumableTicketChanges, type TicketWatchFilter, type WatchTicketsOptions } from "./tickets.js";
