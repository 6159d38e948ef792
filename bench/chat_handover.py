"""`python -m bench.chat_handover`: handovers reaching the receiving console (`bench.scenarios.chat_handover`)."""

from bench.scenarios.chat_handover import main

if __name__ == "__main__":
    main()
