"""`python -m angui` runs the CLI."""

from angui.cli import main

main()
