"""The baseline (ratchet): findings a repository already had when it adopted gate, recorded in a
committed file (`gate-baseline.yaml`), so `gate check` blocks only on what a change introduces or
worsens. Trusted from the base branch's tip like the exception ledger."""
