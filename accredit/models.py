"""Imports every domain's models so that SQLAlchemy and Alembic see all tables."""
from accredit.audit import AuditEvent  # noqa: F401
from accredit.auth.models import ApiToken, RoleAssignment, SignInAttempt, User  # noqa: F401
from accredit.evidence.models import Evidence  # noqa: F401
from accredit.frameworks.models import Framework, FrameworkVersion, Standard  # noqa: F401
from accredit.org.models import Division, Service, Team  # noqa: F401
from accredit.assessments.models import AssessmentResponse, SelfAssessment  # noqa: F401
from accredit.schemes.models import SchemeSettings  # noqa: F401
from accredit.visits.models import ConflictDeclaration, Visit, VisitRating, VisitReviewer  # noqa: F401
from accredit.actions.models import Action  # noqa: F401
from accredit.accreditation.models import (Appeal, Application, EligibilityCheck, PanelDecision,  # noqa: F401
                                          PanelMember, PortfolioEntry, PrePanelReview)
from accredit.notifications.models import Notification  # noqa: F401
from accredit.deadlines.models import DeadlinePause  # noqa: F401
from accredit.dashboards.models import AccreditationTarget  # noqa: F401
from accredit.awards.models import Award, AwardRating, AwardSuspension  # noqa: F401
from accredit.stepup.models import LevelChange, LevelProposal, RiskSignal, StepupRegulation  # noqa: F401
