"""`python -m kzcn`."""

from kzcn.cli import main

main()
