"""The ground floor: the vocabulary every layer shares, and nothing about transports or storage engines.

    domain.errors   the error tree (one class per condition, each with its canonical code)
    domain.roles    what a user may be: customer, agent, admin

`storage/` and `server/` both import it; it imports neither (tests/test_dependency_rules.py).
"""
