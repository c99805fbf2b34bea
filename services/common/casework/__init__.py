"""The lifecycle of a case under the Regulations, which escalation and the gateway both apply.

Pure modules, no Kafka: the fold (fold.py) replays a case's updates through the
transitions (transitions.py) of a mutable machine (machine.py) into its lifecycle
(lifecycle.py), made of statuses (status.py), clocks (clocks.py) and the facts taken from
dedup's verdict (facts.py); a refused update carries a named reason (refusals.py). The rule
file of limits and escalation rules (ruleset.py, rules/escalation.yaml), the holiday
calendar (holidays.py, rules/holidays.yaml), working-day arithmetic (workdays.py), the
risk-to-life phrases (risk.py). Escalation judges cases with them; the gateway checks a
petitioner's or an agency's update with the same functions before publishing it.
"""
