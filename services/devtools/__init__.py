"""Developer tools: a local Kafka broker for the demo, the benchmarks and the tests.

No service imports them: a deployment runs against a real cluster.
"""
