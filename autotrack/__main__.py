"""`python -m autotrack` is the `autotrack` command."""

from autotrack.cli import main

if __name__ == "__main__":
    main()
