"""Reports: ticket, chat, satisfaction and agent-load figures over time, from rollups kept by a job."""
