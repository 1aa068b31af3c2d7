"""The kinds' flows come in one order, whatever order the group-by gives its rows."""

from __future__ import annotations

import polars as pl

from kzcn.exposure._analyse import _kind_flows

# Kept invalid records: two envelopes that differ in the sender's state alone, once each.
_ROWS = {
    "kind": ["citizenship_status_reply", "citizenship_status_reply"],
    "sender_state": ["KAZ", "CHN"],
    "sender_authority": ["KAZ_MIA", "KAZ_MIA"],
    "recipient_state": ["KAZ", "KAZ"],
    "recipient_authority": ["KAZ_MIA", "KAZ_MIA"],
}


def test_envelopes_that_differ_in_a_state_alone_keep_one_order() -> None:
    frame = pl.DataFrame(_ROWS)
    forward = _kind_flows(frame)
    backward = _kind_flows(frame.reverse())
    assert forward == backward
    assert [flow.sender_state for flow in forward] == ["CHN", "KAZ"]
