"""`python -m bench.chat_fanout`: the live-chat fan-out benchmark (see `bench.scenarios.chat`)."""

from bench.scenarios.chat import main

if __name__ == "__main__":
    main()
