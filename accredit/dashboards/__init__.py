"""Quality lead dashboards: coverage measures, trends, exports, the board report and the trust's target."""
