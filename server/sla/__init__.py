"""SLA policies: business-hours schedules, due times on tickets, breach detection."""
