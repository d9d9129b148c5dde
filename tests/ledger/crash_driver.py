"""A writer or a sequencer that dies at a named step, for test_sequencer_crash.py.

`python crash_driver.py writer|sequencer STEP N [PREFIX COUNT]`: the process stops dead
(os._exit, no cleanup, as a kill would) the N-th time it reaches STEP; "never" runs to the
end. A sequencer places what waits and stops, or with CRASH_FOREVER set runs until killed. A writer records COUNT requests with ids PREFIX-0.., one per transaction, and prints
"acked ID" once each transaction has committed: what the API would acknowledge.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    role, step, count_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    import django

    django.setup()
    from custodiet.ledger import sequencer, store

    reached = 0

    def die_at(name: str) -> None:
        nonlocal reached
        if name == step:
            reached += 1
            if reached == count_at:
                sys.stdout.flush()
                os._exit(137)

    store.on_step = die_at
    if role == "sequencer":
        sequencer.Sequencer(batch=int(os.environ.get("CRASH_BATCH", "7"))).run(
            interval=0.005, once="CRASH_FOREVER" not in os.environ
        )
        return
    prefix, count = sys.argv[4], int(sys.argv[5])
    from custodiet.accounts.models import Agency
    from custodiet.policy.model import parse_request
    from custodiet.records.actions import receive_and_decide
    from custodiet.samples import generate

    agency = Agency.objects.get()
    for number, request in enumerate(generate(count)):
        public_id = f"{prefix}-{number}"
        receive_and_decide(
            [parse_request({**request, "id": public_id})], actor="partner", agency=agency
        )
        die_at("acknowledging")
        print("acked", public_id, flush=True)


if __name__ == "__main__":
    main()
