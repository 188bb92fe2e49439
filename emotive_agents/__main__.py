"""`python -m emotive_agents` runs the CLI."""

from emotive_agents.cli import app

app()
