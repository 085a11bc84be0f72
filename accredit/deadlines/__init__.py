"""Deadline pauses: a quality lead stops a team's clocks for a while (DESIGN.md §5.4)."""
