"""Self-assessments: each team's periodic appraisal against its framework's standards."""
