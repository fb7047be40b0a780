"""``python -m chronos`` runs the command-line interface."""

from chronos.cli import main

if __name__ == "__main__":
    main()
