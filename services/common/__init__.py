"""The bottom layer every service may import, and which imports no service.

The service layer (the handler contract, the service, its consumer loop and commit
protocol, sending outputs, watchdogs, worker start-up), settings, metrics, logs, dead
letters and their replay, decoding a submitted petition, text folding and place names, the
regions table, the rule-file loader, shared keys, the producer of commands, the CLI options
commands share, and the case lifecycle (``casework``).
"""
