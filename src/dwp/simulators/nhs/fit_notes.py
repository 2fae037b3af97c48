"""Fit notes as FHIR R4 Observations: the shape decision 6 records (docs/decisions/0006-fit-note-shape.md).

One Observation per fit note: `subject` the patient by NHS number, `effectivePeriod` the period the
note covers, `issued` the day it was issued, `valueCodeableConcept` the advice ("not fit for work" or
"may be fit for work"), and `component`s for the condition category (an ICD-10 chapter), each kind of
adjustment the clinician ticked, who assessed, and whether a further assessment is needed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dwp.simulators.nhs.patients import CONDITION_CATEGORIES, FitNote, Patient

NAMESPACE = "https://dwp.example.gov.uk/fhir"
PROFILE = f"{NAMESPACE}/StructureDefinition/FitNote"
COMPONENTS = f"{NAMESPACE}/CodeSystem/fit-note-component"
ADVICE = f"{NAMESPACE}/CodeSystem/fit-note-advice"
ADJUSTMENTS = f"{NAMESPACE}/CodeSystem/fit-note-adjustment"
ASSESSORS = f"{NAMESPACE}/CodeSystem/fit-note-assessor"
ICD10 = "http://hl7.org/fhir/sid/icd-10"

ADVICE_DISPLAY = {
    "not-fit": "Not fit for work",
    "may-be-fit": "May be fit for work taking into account the following advice",
}
ADJUSTMENT_DISPLAY = {
    "phased-return": "A phased return to work",
    "altered-hours": "Altered hours",
    "amended-duties": "Amended duties",
    "workplace-adaptations": "Workplace adaptations",
}
ASSESSOR_DISPLAY = {
    "doctor": "Doctor",
    "nurse": "Registered nurse",
    "occupational-therapist": "Occupational therapist",
    "pharmacist": "Pharmacist",
    "physiotherapist": "Physiotherapist",
}


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _component(code: str, display: str, **value: Any) -> dict[str, Any]:
    return {"code": _concept(COMPONENTS, code, display), **value}


def fit_note_resource(patient: Patient, note: FitNote, today: date) -> dict[str, Any]:
    components = [
        _component(
            "condition-category",
            "Condition category",
            valueCodeableConcept=_concept(
                ICD10, note.condition_category, CONDITION_CATEGORIES[note.condition_category]
            ),
        ),
        *(
            _component(
                "adjustment",
                "Adjustment advised",
                valueCodeableConcept=_concept(ADJUSTMENTS, a, ADJUSTMENT_DISPLAY[a]),
            )
            for a in note.adjustments
        ),
        _component(
            "assessed-by",
            "Assessed by",
            valueCodeableConcept=_concept(ASSESSORS, note.assessed_by, ASSESSOR_DISPLAY[note.assessed_by]),
        ),
        _component("follow-up-needed", "A further assessment is needed", valueBoolean=note.follow_up_needed),
    ]
    return {
        "resourceType": "Observation",
        "id": note.id,
        "meta": {"profile": [PROFILE]},
        "status": "final",
        "code": {**_concept(COMPONENTS, "fit-note", "Statement of fitness for work"), "text": "Fit note"},
        "subject": {
            "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": patient.nhs_number}
        },
        "effectivePeriod": {"start": note.start.isoformat(), "end": note.end.isoformat()},
        "issued": f"{note.issued.isoformat()}T00:00:00+00:00",
        "valueCodeableConcept": _concept(ADVICE, note.advice, ADVICE_DISPLAY[note.advice]),
        "component": components,
    }


def fit_note_bundle(patient: Patient, notes: list[FitNote], base: str, today: date) -> dict[str, Any]:
    """A FHIR searchset Bundle of the patient's fit notes, earliest first."""
    ordered = sorted(notes, key=lambda n: n.start)
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(ordered),
        "link": [
            {
                "relation": "self",
                "url": f"{base}/Observation?subject:identifier=https://fhir.nhs.uk/Id/nhs-number|{patient.nhs_number}",
            }
        ],
        "entry": [
            {
                "fullUrl": f"{base}/Observation/{note.id}",
                "resource": fit_note_resource(patient, note, today),
                "search": {"mode": "match"},
            }
            for note in ordered
        ],
    }
