"""What the citizen has to do for a claim to go on, and who may mark each done.

A person not yet proven at P2 may submit; verifying their identity is then a to-do, done online (the
identity service confirms it) or in person at a Jobcentre (a caseworker records it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dwp.claims.domain.answers import (
    RENTING,
    ChildcareAnswers,
    ClaimType,
    FitNoteAnswers,
    HealthAnswers,
    HousingAnswers,
    TreatmentAnswers,
)
from dwp.claims.domain.dates import uk_date
from dwp.claims.domain.model import Actor, Claim, Todo, TodoKind
from dwp.claims.domain.work import evidence_due

NewId = Callable[[], str]

# Who may mark each kind done: the claimant themselves, a caseworker, or the system (a check that a
# person cannot fake, such as One Login proving identity or an upload passing its checks).
COMPLETED_BY: dict[TodoKind, frozenset[str]] = {
    TodoKind.VERIFY_IDENTITY: frozenset({"system", "caseworker"}),
    TodoKind.CONFIRM_ADDRESS: frozenset({"claimant", "system"}),
    TodoKind.UPLOAD_EVIDENCE: frozenset({"system", "caseworker"}),
    TodoKind.ACCEPT_CLAIMANT_COMMITMENT: frozenset({"claimant"}),
    TodoKind.BOOK_WORK_CAPABILITY_ASSESSMENT: frozenset({"claimant", "caseworker"}),
    TodoKind.CHECK_BANK_DETAILS: frozenset({"claimant", "caseworker", "system"}),
}


def evidence_needed(claim: Claim) -> tuple[str, ...]:
    """The evidence a claim's answers call for, by name."""
    a = claim.answers
    needs: list[str] = []
    if claim.claim_type == ClaimType.UNIVERSAL_CREDIT:
        housing = a.get("housing")
        if isinstance(housing, HousingAnswers) and housing.tenure in RENTING:
            needs.append("tenancy_agreement")
        childcare = a.get("childcare")
        if isinstance(childcare, ChildcareAnswers) and childcare.pays_for_childcare:
            needs.append("childcare_costs")
        health = a.get("health")
        if isinstance(health, HealthAnswers):
            people = [p for p in (health.you, health.partner) if p is not None]
            if any(p.condition_affects_work for p in people):
                needs.append("fit_note")
            if any(p.terminally_ill for p in people):
                needs.append("sr1_form")
    elif claim.claim_type == ClaimType.NEW_STYLE_ESA:
        fit_note = a.get("fit_note")
        if isinstance(fit_note, FitNoteAnswers):
            needs.append("fit_note")  # the note itself, or a new one once self-certification ends
        treatment = a.get("treatment")
        if isinstance(treatment, TreatmentAnswers) and treatment.terminally_ill:
            needs.append("sr1_form")
    return tuple(needs)


def _needs_wca(claim: Claim) -> bool:
    a = claim.answers
    if claim.claim_type == ClaimType.NEW_STYLE_ESA:
        treatment = a.get("treatment")
        # The terminally ill are placed in the support group without an assessment.
        return not (isinstance(treatment, TreatmentAnswers) and treatment.terminally_ill)
    if claim.claim_type == ClaimType.UNIVERSAL_CREDIT:
        health = a.get("health")
        if isinstance(health, HealthAnswers):
            people = [p for p in (health.you, health.partner) if p is not None]
            return any(
                p.condition_affects_work and p.can_work != "yes" and not p.terminally_ill for p in people
            )
    return False


def todos_on_submission(claim: Claim, *, at: datetime, new_id: NewId) -> tuple[Todo, ...]:
    """The to-dos a claim starts with when it is submitted."""
    todos: list[Todo] = []
    if not claim.claimant.identity_verified:
        todos.append(Todo(new_id(), TodoKind.VERIFY_IDENTITY, at))
    if claim.partner is not None and not claim.partner.identity_verified:
        todos.append(Todo(new_id(), TodoKind.VERIFY_IDENTITY, at, subject="partner"))
    if not claim.claimant.address_confirmed:
        todos.append(Todo(new_id(), TodoKind.CONFIRM_ADDRESS, at))
    # UC, New Style JSA and New Style ESA are each paid on accepting a claimant commitment.
    todos.append(Todo(new_id(), TodoKind.ACCEPT_CLAIMANT_COMMITMENT, at))
    if _needs_wca(claim):
        todos.append(Todo(new_id(), TodoKind.BOOK_WORK_CAPABILITY_ASSESSMENT, at))
    due = evidence_due(uk_date(at))
    todos.extend(
        Todo(new_id(), TodoKind.UPLOAD_EVIDENCE, at, subject=s, due=due) for s in evidence_needed(claim)
    )
    return tuple(todos)


def role_of(actor: Actor, claim: Claim) -> str | None:
    """The part an actor plays for this claim: claimant, caseworker, system, or none."""
    if actor.kind == "citizen":
        partner = claim.partner.subject if claim.partner else None
        return "claimant" if actor.subject in (claim.claimant.subject, partner) else None
    if actor.kind == "system":
        return "system"
    return "caseworker" if actor.is_staff else None
