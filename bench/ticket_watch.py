"""`python -m bench.ticket_watch`: the WatchTickets benchmark (see `bench.scenarios.ticket_watch`)."""

from bench.scenarios.ticket_watch import main

if __name__ == "__main__":
    main()
