"""Automatic assignment of tickets and chats (round robin over ONLINE agents below their limits)."""
