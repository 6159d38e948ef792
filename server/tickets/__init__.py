"""TicketService: the help-desk workflow (tickets, their conversation, lifecycle and audit trail)."""
