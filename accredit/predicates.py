"""Imports every domain's permissions, task and usage registrations so that every action is known at start-up."""
from accredit.frameworks import permissions as _frameworks  # noqa: F401
from accredit.org import permissions as _org  # noqa: F401
from accredit.evidence import permissions as _evidence  # noqa: F401
from accredit.assessments import permissions as _assessments  # noqa: F401
from accredit.assessments import usage as _assessment_usage  # noqa: F401  (evidence "used in")
from accredit.assessments import tasks as _assessment_tasks  # noqa: F401  (home page tasks)
