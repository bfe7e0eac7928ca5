"""Who judges a change (gate/ownership.py): the strictest tier a service ever had in this change's history."""

from __future__ import annotations

from gate.catalog import Service
from gate.ownership import strictest_tier


def service(tier: int, parsed: bool = True) -> Service:
    return Service(
        "cart", "cart/", "cart/service.yaml", tier, {"tier": tier} if parsed else None, None
    )


def test_a_change_that_lowers_its_own_tier_is_judged_at_the_tier_it_had() -> None:
    """Attack: set `tier: 3` in the same change, so the tier-0 rules do not apply to it."""
    judged = strictest_tier(service(3), [service(1), service(0)])
    assert judged.tier == 0 and judged.name == "cart"
    assert strictest_tier(service(3), [None, service(2)]).tier == 2


def test_raising_a_tier_takes_effect_at_once() -> None:
    assert strictest_tier(service(0), [service(2), None]).tier == 0


def test_only_a_tier_the_base_really_declared_counts() -> None:
    """A base manifest that did not parse, or whose tier is not a number, has no tier to hold the change to."""
    assert strictest_tier(service(2), [service(0, parsed=False)]).tier == 2
    unparsed_tier = Service(
        "cart", "cart/", "cart/service.yaml", 0, {"tier": "0"}, None
    )  # the catalog's fallback, not a declaration
    assert strictest_tier(service(2), [unparsed_tier]).tier == 2
