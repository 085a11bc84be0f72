"""The trust's scheme: rule settings stored as data (DESIGN.md §5.1), read by every rule."""
