"""Waivers: the exception ledger (exceptions.yaml) as recorded, scoped, expiring overrides of the gate.

model   the ledger's entries and how a ledger file is read
trust   who may approve what, and what GitHub says about the pull request
state   the one classification of an entry (active, expiring, pending, expired, invalid, stale)
apply   the `check` stage: the ledger applied to a change's results
report  the stage's typed report (records below gate/verdict.py)
listing `gate exception list`: the working tree's ledger, classified
edit    `gate exception add|revoke`: textual edits that keep every other byte of the user's file
audit   `gate exception audit`: the ledger's history from git
"""
