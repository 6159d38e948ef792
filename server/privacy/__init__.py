"""Personal-data requests: a person's export of their data, and the erasure of a customer."""
