"""``python -m augcli``."""

from augcli.cli import main

if __name__ == "__main__":
    main()
