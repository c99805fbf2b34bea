"""The lifecycle of a case under the Regulations, which escalation and the gateway both apply.

Pure modules, no Kafka: the lifecycle and its fold (lifecycle.py), the rule file of limits
and escalation rules (ruleset.py, rules/escalation.yaml), the holiday calendar
(holidays.py, rules/holidays.yaml), working-day arithmetic (workdays.py), the risk-to-life
phrases (risk.py). Escalation judges cases with them; the gateway checks a petitioner's or
an agency's update with the same functions before publishing it.
"""
