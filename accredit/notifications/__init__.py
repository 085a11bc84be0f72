"""Notifications: outbox rows first, then email (immediately or in a daily digest) and the in-app list."""
