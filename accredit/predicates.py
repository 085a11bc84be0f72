"""Imports every domain's permissions, task and usage registrations so that every action is known at start-up."""
from accredit.frameworks import permissions as _frameworks  # noqa: F401
from accredit.org import permissions as _org  # noqa: F401
from accredit.evidence import permissions as _evidence  # noqa: F401
from accredit.assessments import permissions as _assessments  # noqa: F401
from accredit.assessments import usage as _assessment_usage  # noqa: F401  (evidence "used in")
from accredit.assessments import tasks as _assessment_tasks  # noqa: F401  (home page tasks)
from accredit.visits import permissions as _visits  # noqa: F401
from accredit.visits import tasks as _visit_tasks  # noqa: F401  (home page tasks)
from accredit.notifications import permissions as _notifications  # noqa: F401
from accredit.deadlines import permissions as _deadlines  # noqa: F401
from accredit.actions import permissions as _actions  # noqa: F401
from accredit.actions import usage as _action_usage  # noqa: F401  (evidence "used in")
from accredit.actions import tasks as _action_tasks  # noqa: F401  (home page tasks)
from accredit.awards import permissions as _awards  # noqa: F401
from accredit.awards import tasks as _award_tasks  # noqa: F401  (home page tasks)
from accredit.accreditation import permissions as _accreditation  # noqa: F401
from accredit.accreditation import tasks as _accreditation_tasks  # noqa: F401  (home page tasks)
from accredit.accreditation import usage as _accreditation_usage  # noqa: F401  (evidence "used in")
from accredit.dashboards import permissions as _dashboards  # noqa: F401
from accredit.stepup import permissions as _stepup  # noqa: F401
from accredit.stepup import tasks as _stepup_tasks  # noqa: F401  (home page tasks)
