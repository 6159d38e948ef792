// Canned-response placeholders filled in the browser, for a conversation the server cannot render
// for (a chat with no ticket yet) or an example (a macro's preview): the same names and rules as
// server/responses/placeholders.py.

/** What the caller knows for the placeholders (a chat with no ticket yet: no ticket); unknown ones stay as written. */
export interface PlaceholderValues {
  customerName?: string;
  customerEmail?: string;
  agentName?: string;
  ticketNumber?: string;
  ticketSubject?: string;
}

// `{{ name }}`, as the server reads it (server/responses/placeholders.py).
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The first word of a display name ("" for none), as the server's rendering takes it. */
function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? "";
}

/**
 * `body` with the placeholders `values` can fill replaced, by the server's rules (plain
 * substitution in one pass: a value that looks like a placeholder is never expanded). Ones it
 * cannot fill (`{{ticket.number}}` in a chat with no ticket yet) stay, for the agent to edit.
 */
export function fillPlaceholders(body: string, values: PlaceholderValues): string {
  const table: Record<string, string | undefined> = {
    "customer.name": values.customerName,
    "customer.first_name": values.customerName === undefined ? undefined : firstName(values.customerName),
    "customer.email": values.customerEmail,
    "agent.name": values.agentName,
    "agent.first_name": values.agentName === undefined ? undefined : firstName(values.agentName),
    "ticket.number": values.ticketNumber,
    "ticket.subject": values.ticketSubject,
  };
  return body.replace(PLACEHOLDER, (whole, name: string) => table[name] ?? whole);
}
