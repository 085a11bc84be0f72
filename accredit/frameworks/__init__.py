"""Frameworks: versioned sets of standards loaded from YAML."""
