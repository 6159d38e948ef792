// Keeps an open ticket current: its changes (another agent's edit, a new message or note) arrive
// over WatchTickets for this ticket alone and go into the cached ticket, conversation and events.

import { timestampDate } from "@bufbuild/protobuf/wkt";
import { TicketChangeKind, type Ticket } from "@helpdesk/client";
import { useQueryClient } from "@tanstack/react-query";
import { useTicketWatch, type WatchState } from "@/lib/ticket-watch";
import { workspaceKeys } from "../api";

function updated(ticket: Ticket | undefined): number {
  return ticket?.updateTime ? timestampDate(ticket.updateTime).getTime() : 0;
}

export function useLiveTicket(ticketId: string): WatchState {
  const queryClient = useQueryClient();
  return useTicketWatch(
    { ticketId },
    {
      onChange: (change) => {
        const fresh = change.ticket;
        if (fresh) {
          // Never step back to an older version than the one shown (an own change may be newer).
          queryClient.setQueryData<Ticket>(workspaceKeys.ticket(ticketId), (shown) => (updated(shown) > updated(fresh) ? shown : fresh));
        } else if (change.kind === TicketChangeKind.DELETED) {
          void queryClient.invalidateQueries({ queryKey: workspaceKeys.ticket(ticketId) });
        }
        if (change.kind === TicketChangeKind.MESSAGE_ADDED) void queryClient.invalidateQueries({ queryKey: workspaceKeys.messages(ticketId) });
        void queryClient.invalidateQueries({ queryKey: workspaceKeys.events(ticketId) });
      },
      onCaughtUp: (since) => {
        for (const key of [workspaceKeys.ticket(ticketId), workspaceKeys.messages(ticketId), workspaceKeys.events(ticketId)]) {
          void queryClient.invalidateQueries({ queryKey: key, predicate: (query) => query.state.dataUpdatedAt < since });
        }
      },
    },
  );
}
