"""`python -m knownparty_client.cli` runs the command line."""

from knownparty_client.cli import main

main()
