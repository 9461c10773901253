"""The use cases behind the commands: each takes a Workspace and plain arguments, returns a value.

One module per group, imported by the command that runs it (so that `envman validate`
loads neither promotion nor live machinery): `validate` (validate, show, schema export),
`live` (drift, check, snapshot), `promote` (diff, promote), `guardrails`, `rollback` and
`audit` (log, show, verify).
"""
