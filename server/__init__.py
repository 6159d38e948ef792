"""The Helpdesk server: gRPC transport, domain logic per folder, and the embedded dev stack."""
