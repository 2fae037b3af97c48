"""The claims domain's own errors, each naming the field at fault where there is one.

The service's one error table maps them to RFC 9457 problems; nothing here knows of HTTP. The base
class carries `field` (a dotted path into the request, such as `household.children.0.date_of_birth`)
so that the table can point at it without knowing each error.
"""

from __future__ import annotations

from dataclasses import dataclass


class ClaimsError(Exception):
    """Base of every claims domain error."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    code: str = "invalid"


class InvalidAnswers(ClaimsError):
    """One or more answers cannot be true; every problem names its field (GOV.UK error summaries list
    them all, so all are collected rather than stopping at the first)."""

    def __init__(self, problems: list[FieldProblem] | tuple[FieldProblem, ...]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems), field=first.field)

    def field_errors(self) -> list[tuple[str, str]]:
        """Each field at fault and what is wrong with it (the error table lists them all)."""
        return [(p.field, p.message) for p in self.problems]


class ClaimNotFound(ClaimsError):
    """No such claim, or not one this citizen may see (the same answer, so neither leaks)."""

    field = "claim_id"


class UnknownSection(ClaimsError):
    field = "section"


class ClaimNotEditable(ClaimsError):
    """Answers can be changed only while the claim is a draft."""

    field = "status"


class IncompleteClaim(ClaimsError):
    """Sections that must be answered before submitting."""

    field = "sections"

    def __init__(self, missing: tuple[str, ...]) -> None:
        self.missing = missing
        super().__init__(f"answer these sections before you submit: {', '.join(missing)}")


class UnconfirmedAnswers(ClaimsError):
    """Questions the citizen has not yet confirmed (answers that are unusual, not impossible)."""

    field = "questions"

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        super().__init__(f"confirm these answers before you submit: {', '.join(keys)}")


class UnknownQuestion(ClaimsError):
    field = "question"


class DeclarationRequired(ClaimsError):
    field = "declaration"


class PartnerNotConfirmed(ClaimsError):
    """A joint claim is submitted only when both partners have confirmed their part."""

    field = "partner"


class InvalidJoinCode(ClaimsError):
    field = "code"


class MoveNotAllowed(ClaimsError):
    """The lifecycle has no such move from the claim's status (a conflict, not bad input)."""

    field = "status"

    def __init__(self, move: str, status: str, detail: str | None = None) -> None:
        self.move = move
        self.status = status
        super().__init__(detail or f"a claim that is {status.replace('_', ' ')} cannot be moved by {move}")


class NotPermitted(ClaimsError):
    """This person may not make this move (a citizen deciding, a caseworker submitting)."""

    field = "actor"


class TooLate(ClaimsError):
    """Asked after the last day the law allows, even late."""

    field = "requested_on"


class LateReasonsRequired(ClaimsError):
    """A late request must say why it is late."""

    field = "late_reasons"


class SameDecisionMaker(ClaimsError):
    """A mandatory reconsideration is decided by a different decision maker from the original."""

    field = "decided_by"


class ReconsiderationRequired(ClaimsError):
    """An appeal is made only against a mandatory reconsideration notice."""

    field = "decision"


class NotReconsiderable(ClaimsError):
    field = "decision"


class AutomatedDisallowForbidden(ClaimsError):
    """An automatic decision never disallows: a person decides that."""

    field = "actor"


class NotAutomated(ClaimsError):
    """A person's review (UK GDPR Art. 22) is of an automatic decision only."""

    field = "decision"


class EvidenceOutstanding(ClaimsError):
    field = "todos"


class TodoNotFound(ClaimsError):
    field = "todo_id"


class TodoClosed(ClaimsError):
    field = "todo_id"


class WorkItemClosed(ClaimsError):
    field = "work_item"


class CannotAssign(ClaimsError):
    field = "assignee"


class StaleVersion(ClaimsError):
    field = "version"
