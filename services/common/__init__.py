"""What every service shares: settings, Kafka wiring, dead letters, metrics, logs."""
