"""``python -m preflight``: the same as the ``preflight`` command."""

from preflight.cli import run

if __name__ == "__main__":
    run()
