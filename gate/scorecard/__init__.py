"""`gate scorecard`: the fleet's readiness, SLO coverage, budgets, waivers and change record, with trends."""
