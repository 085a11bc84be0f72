"""The scheduler: every sweep in order, run as of a time, in one leader process at a time."""
