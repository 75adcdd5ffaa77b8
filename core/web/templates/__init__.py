"""Server-rendered pages of the web app (data)."""
