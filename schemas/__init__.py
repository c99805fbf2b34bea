"""The topic contract: one pydantic model for the key and the value of every topic.

Everything that reads or writes Kafka imports its models and topic names from here;
``schemas.registry`` is the single list of topics.
"""
