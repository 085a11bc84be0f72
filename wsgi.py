"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
import gc

from accredit import create_app

app = create_app()
# What the app made while loading (routes, templates, mappers: ~230,000 objects) lives as long as the process;
# frozen, the collector's full passes stop walking it on every large request (~0.12 s of a coverage request).
gc.freeze()
