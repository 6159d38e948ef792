"""Macros: named sets of ticket actions that agents apply to a ticket in one transaction."""
