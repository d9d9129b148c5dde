"""`python -m custodiet` is the `custodiet` command."""

from custodiet.cli import main

main()
