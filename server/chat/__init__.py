"""Live chat: sessions, durable ordered messages, real-time streams, the queue and agents' presence."""
