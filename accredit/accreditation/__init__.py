"""Accreditation: eligibility, invitations, applications, panels, awards and appeals."""
