"""Reports of the handoff metrics: the terminal summary, HTML with charts, CSV and JSON files."""

DEFAULT_FOLDER = "baton-report"  # where `baton report` and `baton import ... --report` write
