"""Imports every domain's permissions module so that `can()` knows every action."""
from accredit.frameworks import permissions as _frameworks  # noqa: F401
from accredit.org import permissions as _org  # noqa: F401
from accredit.evidence import permissions as _evidence  # noqa: F401
from accredit.assessments import permissions as _assessments  # noqa: F401
