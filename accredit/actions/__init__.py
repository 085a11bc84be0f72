"""Improvement actions: each team's improvement plan, from findings to verified closure."""
