"""Reports of the handoff metrics: the terminal summary, HTML with charts, CSV and JSON files."""
