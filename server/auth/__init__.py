"""Authentication: passwords, tokens, sign-in limiting and the auth domain (no transport code)."""
