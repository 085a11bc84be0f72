"""Quality Review Visits and peer reviews: planning, reviewers, ratings, the report and its publication."""
