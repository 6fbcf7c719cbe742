"""`python -m phuxanh.cli`: the same as the `phuxanh` command."""

from phuxanh.cli.main import main

main()
