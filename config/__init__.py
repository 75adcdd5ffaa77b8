"""Example deployment configs and connector profiles, shipped as package data (baton_itsm.config)."""
