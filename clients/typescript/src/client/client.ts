// HelpdeskClient: the API over gRPC-Web through the Envoy gateway, in browsers and Node 20+.

import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { AssignmentService } from "../gen/helpdesk/v1/assignment_service_pb.js";
import { AuthService } from "../gen/helpdesk/v1/auth_service_pb.js";
import { CannedResponseService } from "../gen/helpdesk/v1/canned_response_service_pb.js";
import type { ChatEvent } from "../gen/helpdesk/v1/chat_event_pb.js";
import type { TicketChange } from "../gen/helpdesk/v1/ticket_change_pb.js";
import { ChatService } from "../gen/helpdesk/v1/chat_service_pb.js";
import { KnowledgeService } from "../gen/helpdesk/v1/knowledge_service_pb.js";
import { MacroService } from "../gen/helpdesk/v1/macro_service_pb.js";
import { PrivacyService } from "../gen/helpdesk/v1/privacy_service_pb.js";
import { SlaService } from "../gen/helpdesk/v1/sla_service_pb.js";
import { TicketService } from "../gen/helpdesk/v1/ticket_service_pb.js";
import type { User } from "../gen/helpdesk/v1/user_pb.js";
import { UserService } from "../gen/helpdesk/v1/user_service_pb.js";
import { resumableChatEvents, type ResumeOptions } from "./chat.js";
import { authInterceptor, Session } from "./session.js";
import { resumableTicketChanges, type TicketWatchFilter, type WatchTicketsOptions } from "./tickets.js";

export interface HelpdeskClientOptions {
  /** The gateway, e.g. "http://localhost:8080". */
  baseUrl: string;
  /** Default deadline of every call in milliseconds (streams excepted); default 10 s. */
  timeoutMs?: number;
  /** Extra interceptors, run after the auth one. */
  interceptors?: Interceptor[];
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof globalThis.fetch;
  /** The clock (ms since the epoch), for tests. */
  now?: () => number;
}

/** A signed-in view of the Helpdesk API: typed service clients plus sign-in and chat helpers. */
export class HelpdeskClient {
  readonly session: Session;
  readonly transport: Transport;
  readonly auth: Client<typeof AuthService>;
  readonly users: Client<typeof UserService>;
  readonly tickets: Client<typeof TicketService>;
  readonly chat: Client<typeof ChatService>;
  readonly knowledge: Client<typeof KnowledgeService>;
  readonly assignment: Client<typeof AssignmentService>;
  readonly cannedResponses: Client<typeof CannedResponseService>;
  readonly macros: Client<typeof MacroService>;
  readonly privacy: Client<typeof PrivacyService>;
  readonly sla: Client<typeof SlaService>;

  constructor(options: HelpdeskClientOptions) {
    this.session = new Session(options.now);
    const base = {
      baseUrl: options.baseUrl,
      defaultTimeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch,
    };
    // Refreshing goes through a transport without the auth interceptor (no recursion).
    this.session.bind(createClient(AuthService, createGrpcWebTransport(base)));
    this.transport = createGrpcWebTransport({
      ...base,
      interceptors: [authInterceptor(this.session), ...(options.interceptors ?? [])],
    });
    this.auth = createClient(AuthService, this.transport);
    this.users = createClient(UserService, this.transport);
    this.tickets = createClient(TicketService, this.transport);
    this.chat = createClient(ChatService, this.transport);
    this.knowledge = createClient(KnowledgeService, this.transport);
    this.assignment = createClient(AssignmentService, this.transport);
    this.cannedResponses = createClient(CannedResponseService, this.transport);
    this.macros = createClient(MacroService, this.transport);
    this.privacy = createClient(PrivacyService, this.transport);
    this.sla = createClient(SlaService, this.transport);
  }

  /** The signed-in user, undefined when signed out. */
  get user(): User | undefined {
    return this.session.user;
  }

  /** Signs in with an email and password. */
  async signIn(email: string, password: string): Promise<User | undefined> {
    this.session.accept(await this.auth.login({ email, password }));
    return this.session.user;
  }

  /** Creates a customer account and signs it in. */
  async register(email: string, password: string, displayName: string): Promise<User | undefined> {
    this.session.accept(await this.auth.register({ email, password, displayName }));
    return this.session.user;
  }

  /** Adopts tokens obtained elsewhere (e.g. kept in sessionStorage across page loads). */
  useTokens(accessToken: string, refreshToken: string): void {
    this.session.accept({ accessToken, refreshToken });
  }

  /** Ends the session on the server and forgets the tokens. */
  async signOut(allSessions = false): Promise<void> {
    if (!this.session.signedIn) {
      return;
    }
    try {
      await this.auth.logout({ allSessions });
    } finally {
      this.session.clear();
    }
  }

  /** The chat's events (StreamChat), resumed from the last seen seq after any disconnect. */
  streamChat(chatId: string, options: ResumeOptions = {}): AsyncGenerator<ChatEvent> {
    return resumableChatEvents(this.chat, this.session, chatId, options);
  }

  /** Ticket changes matching `filter` (WatchTickets), resumed from the last cursor after any disconnect. */
  watchTickets(filter: TicketWatchFilter = {}, options: WatchTicketsOptions = {}): AsyncGenerator<TicketChange> {
    return resumableTicketChanges(this.tickets, this.session, filter, options);
  }
}
