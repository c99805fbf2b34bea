"""The HTTP gateway for channels that cannot speak Kafka (Open311 GeoReport v2 and JSON)."""
