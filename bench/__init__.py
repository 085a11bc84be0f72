"""Trust-scale synthetic data, benchmarks and the month-end load test (not part of the application or its tests)."""
