"""The embedded default stack behind `helpdesk dev`: PostgreSQL, Redis and Envoy run from Python wheels."""
