// Canned responses for reply boxes: searching the ones the agent may use, filling one in for a
// ticket (the server fills the placeholders; the result is plain text to insert and edit). The
// `/word` that opens the picker is spotted by @/lib/slash-query.

import { CannedResponseScope } from "@helpdesk/client";
import { client } from "@/lib/client";

/** One canned response as the picker lists it. */
export interface CannedResponseOption {
  id: string;
  title: string;
  /** The raw body, placeholders and all (a preview; insert `renderCannedResponse`'s text instead). */
  body: string;
  shared: boolean;
}

/** The caller's canned responses (shared ones and their own) whose title or body contains `query`, title matches first. */
export async function searchCannedResponses(query: string, signal?: AbortSignal): Promise<CannedResponseOption[]> {
  const answer = await client.cannedResponses.listCannedResponses({ query: query.trim(), pageSize: 20 }, { signal });
  return answer.cannedResponses.map((response) => ({
    id: response.id,
    title: response.title,
    body: response.body,
    shared: response.scope === CannedResponseScope.SHARED,
  }));
}

/** The response's text for this ticket, placeholders filled by the server (plain text: insert it as text). */
export async function renderCannedResponse(id: string, ticketId: string): Promise<string> {
  return (await client.cannedResponses.renderCannedResponse({ id, ticketId })).body;
}

