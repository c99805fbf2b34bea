"""The bottom layer every service may import, and which imports no service.

Settings, the handler contract and consumer loop, metrics, logs, dead letters and their
replay, decoding a submitted petition, the regions table, the rule-file loader, shared keys,
the producer of commands and the CLI options commands share.
"""
