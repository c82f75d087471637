"""The service: `python3 -m app` runs it (app/__main__.py); app/server.py answers the requests."""
