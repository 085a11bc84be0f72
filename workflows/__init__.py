"""State machines and rules, in pure Python: no Flask, no SQLAlchemy, no accredit imports."""
