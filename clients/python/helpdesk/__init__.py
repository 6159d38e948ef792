"""Typed client for the Helpdesk API: generated messages and gRPC stubs under `helpdesk.v1`."""
