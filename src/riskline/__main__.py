"""``python -m riskline``: the command line."""

from riskline.cli import main

main()
