"""The claims domain: pure Python, no web framework, database or AWS.

- `answers`: what each benefit asks, one dataclass per section (`SECTIONS`).
- `checks`: per-section and whole-claim checks: errors that name their field, questions to confirm.
- `model`: the claim aggregate, actors, decisions with their rights, to-dos, audit records.
- `lifecycle`: the table of allowed moves (`MOVES`) and one function per move.
- `rights`: reconsideration and appeal time limits, the rights a notice states.
- `todos`, `work`: the citizen's to-dos, caseworkers' work items, due dates and queue filters.
- `evidence`: what an upload may be, the checks on an arrived object, who may download it.
- `journal`: messages between the citizen and DWP.
- `household`: the one mapping from a claim's answers to the benefits service's request body.
"""

from dwp.claims.domain.answers import SECTIONS, Amount, Answers, ClaimType
from dwp.claims.domain.checks import CheckContext, Question, check_claim, check_section
from dwp.claims.domain.dates import add_months, assessment_period_end, assessment_period_start, uk_date
from dwp.claims.domain.errors import ClaimsError, FieldProblem, InvalidAnswers, MoveNotAllowed
from dwp.claims.domain.household import NotReadyToAssess, WcaOutcome, contributory, uc_circumstances
from dwp.claims.domain.lifecycle import (
    MOVES,
    RULES,
    MoveRule,
    Transition,
    allowed_moves,
    appeal,
    award,
    close,
    complete_todo,
    confirm_answer,
    confirm_partner,
    decide_human_review,
    decide_reconsideration,
    disallow,
    invite_partner,
    join_as_partner,
    open_questions,
    record_appeal_outcome,
    request_evidence,
    request_human_review,
    request_reconsideration,
    save_section,
    start_assessment,
    start_claim,
    submit,
    task_list,
    withdraw,
)
from dwp.claims.domain.model import (
    Actor,
    AuditRecord,
    Claim,
    Claimant,
    Decision,
    DecisionKind,
    DueDate,
    Outcome,
    Right,
    Status,
    Todo,
    TodoKind,
)
from dwp.claims.domain.work import QueueFilter, WorkItem, WorkKind, assign, complete, escalate, release

__all__ = [
    "MOVES",
    "RULES",
    "SECTIONS",
    "Actor",
    "Amount",
    "Answers",
    "AuditRecord",
    "CheckContext",
    "Claim",
    "ClaimType",
    "Claimant",
    "ClaimsError",
    "Decision",
    "DecisionKind",
    "DueDate",
    "FieldProblem",
    "InvalidAnswers",
    "MoveNotAllowed",
    "MoveRule",
    "NotReadyToAssess",
    "Outcome",
    "Question",
    "QueueFilter",
    "Right",
    "Status",
    "Todo",
    "TodoKind",
    "Transition",
    "WcaOutcome",
    "WorkItem",
    "WorkKind",
    "add_months",
    "allowed_moves",
    "appeal",
    "assessment_period_end",
    "assessment_period_start",
    "assign",
    "award",
    "check_claim",
    "check_section",
    "close",
    "complete",
    "complete_todo",
    "confirm_answer",
    "confirm_partner",
    "contributory",
    "decide_human_review",
    "decide_reconsideration",
    "disallow",
    "escalate",
    "invite_partner",
    "join_as_partner",
    "open_questions",
    "record_appeal_outcome",
    "release",
    "request_evidence",
    "request_human_review",
    "request_reconsideration",
    "save_section",
    "start_assessment",
    "start_claim",
    "submit",
    "task_list",
    "uc_circumstances",
    "uk_date",
    "withdraw",
]
