"""Any sequence of moves, by anyone, keeps to the table: hypothesis drives the lifecycle at random and
checks after every attempt that a refused move changed nothing and a made one followed a row of the
table, was audited and raised the version by one."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.errors import ClaimsError
from dwp.claims.domain.model import Actor, Outcome, Status

from .conftest import CASEWORKER_A, CASEWORKER_B, CLAIMANT, OTHER_CITIZEN, SYSTEM, draft

ACTORS = [CLAIMANT, OTHER_CITIZEN, CASEWORKER_A, CASEWORKER_B, SYSTEM]


def _plays(actor: Actor) -> str:
    return {"citizen": "claimant", "caseworker": "caseworker", "system": "system"}[actor.kind]


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.story = draft()
        self.seen: list[Status] = [self.story.claim.status]

    def _try(self, move: str, actor: Actor, make: object, outcome: Outcome | None = None) -> None:
        before = self.story.claim
        try:
            t = make()  # type: ignore[operator]
        except ClaimsError:
            assert self.story.claim is before
            return
        rule_ = L.RULES[move]
        assert before.status in rule_.sources
        assert t.claim.status in rule_.targets
        assert t.claim.version == before.version + 1
        assert t.audit.actor_subject == actor.subject
        assert t.audit.before["status"] == before.status.value
        if actor.kind == "system":
            assert t.claim.status != Status.DISALLOWED
        self.story.apply(t)
        self.seen.append(t.claim.status)
        event(f"reached {t.claim.status.value}")

    @rule(
        data=st.data(),
        outcome=st.sampled_from(list(Outcome)),
        days=st.integers(0, 60),
        late=st.booleans(),
    )
    def attempt(self, data: st.DataObject, outcome: Outcome, days: int, late: bool) -> None:
        s = self.story
        # Half the time a move the table allows now, by someone who may make it, so that runs reach the
        # decisions and their challenges; otherwise anything by anyone.
        allowed = [m for m in L.allowed_moves(s.claim.status) if m != "withdraw"]
        if allowed and data.draw(st.booleans()):
            move = data.draw(st.sampled_from(allowed))
            by = sorted(L.RULES[move].by)
            actor = data.draw(st.sampled_from([a for a in ACTORS if _plays(a) in by]))
        else:
            move = data.draw(st.sampled_from([r.move for r in L.MOVES]))
            actor = data.draw(st.sampled_from(ACTORS))
        at = s.tick(timedelta(days=days, hours=1))
        c, new_id = s.claim, s.new_id
        amount = 1000 if outcome == Outcome.AWARD else None
        decision = {"decision_id": new_id(), "outcome": outcome, "reasons": ("r",), "amount_pence": amount}
        late_reasons = "post was late" if late else ""
        calls = {
            "submit": lambda: L.submit(c, actor=actor, at=at, declaration="v1", new_id=new_id),
            "withdraw": lambda: L.withdraw(c, actor=actor, at=at),
            "request_evidence": lambda: L.request_evidence(
                c, actor=actor, at=at, evidence=("payslip",), reason="pay", new_id=new_id
            ),
            "start_assessment": lambda: L.start_assessment(c, actor=actor, at=at, reason="go on"),
            "award": lambda: L.award(
                c, actor=actor, at=at, decision_id=new_id(), reasons=("r",), amount_pence=5
            ),
            "disallow": lambda: L.disallow(c, actor=actor, at=at, decision_id=new_id(), reasons=("r",)),
            "request_human_review": lambda: L.request_human_review(
                c, actor=actor, at=at, reason="", new_id=new_id
            ),
            "decide_human_review": lambda: L.decide_human_review(c, actor=actor, at=at, **decision),  # type: ignore[arg-type]
            "request_reconsideration": lambda: L.request_reconsideration(
                c, actor=actor, at=at, grounds="g", late_reasons=late_reasons, new_id=new_id
            ),
            "decide_reconsideration": lambda: L.decide_reconsideration(c, actor=actor, at=at, **decision),  # type: ignore[arg-type]
            "appeal": lambda: L.appeal(c, actor=actor, at=at, late_reasons=late_reasons, new_id=new_id),
            "record_appeal_outcome": lambda: L.record_appeal_outcome(c, actor=actor, at=at, **decision),  # type: ignore[arg-type]
            "close": lambda: L.close(c, actor=actor, at=at, reason="ended"),
        }
        self._try(move, actor, calls[move], outcome)

    @invariant()
    def decisions_state_their_rights_and_reconsiderations_have_another_maker(self) -> None:
        claim = self.story.claim
        for earlier, later in zip(claim.decisions, claim.decisions[1:], strict=False):
            if later.kind.value == "reconsideration":
                assert later.made_by != earlier.made_by
        assert all(d.rights for d in claim.decisions)
        assert all(not (d.automated and d.outcome == Outcome.DISALLOW) for d in claim.decisions)


Lifecycle.TestCase.settings = settings(max_examples=80, stateful_step_count=40, deadline=None)
TestLifecycle = Lifecycle.TestCase
