"""Connectors: one package per help-desk tool."""
