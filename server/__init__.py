"""The Helpdesk server: gRPC transport, one folder per domain, the gateway renderer and the `helpdesk` command."""
