"""Canned responses: reusable replies with placeholders, shared with the team or personal."""
