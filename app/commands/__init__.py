"""Commands: each thing that happens to an order is one function here. It checks who may, runs the order type's
rules, takes the lifecycle transition and sets off what follows (routing, hand-off to the carrier, the inventory
effect; emails follow from the timeline through the outbox). Views, the carrier API, the CLI and jobs call these
and nothing else; none of them sequences work across areas itself.

Commands work in the caller's session and never commit or roll it back: the caller commits
(`commit_or_conflict`), and what must wait for the commit (a job for the worker) runs then.
"""

from app.commands.conversing import answer, write
from app.commands.dated import carry_out_dated_changes
from app.commands.deciding import approve, ask, reject, remind_and_escalate
from app.commands.fulfilling import (
    answer_cancellation,
    apply_carrier_update,
    apply_carrier_updates,
    carrier_sweep,
    complete,
    flag_problem,
    hand_off,
    receive_carrier_update,
    record_device,
    record_number,
    record_placed,
    record_shipment,
    record_wireline_milestone,
    retry_carrier_updates,
    send_again_now,
    send_to_carrier,
    set_aside_carrier_updates,
)
from app.commands.lost import report_lost
from app.commands.ordering import cancel, commit_or_conflict, submit

__all__ = [
    "answer",
    "write",
    "report_lost",
    "answer_cancellation",
    "apply_carrier_update",
    "apply_carrier_updates",
    "remind_and_escalate",
    "approve",
    "ask",
    "cancel",
    "carrier_sweep",
    "carry_out_dated_changes",
    "commit_or_conflict",
    "complete",
    "flag_problem",
    "hand_off",
    "receive_carrier_update",
    "record_device",
    "record_number",
    "record_wireline_milestone",
    "record_placed",
    "record_shipment",
    "reject",
    "retry_carrier_updates",
    "send_again_now",
    "send_to_carrier",
    "set_aside_carrier_updates",
    "submit",
]
