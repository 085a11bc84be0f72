"""Core pages: home, health check, accessibility statement and the audit trail."""
