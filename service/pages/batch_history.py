"""One uploaded batch as its own page (/batches/<id>): progress, bad rows, and each row's answer with the
reason in plain words; billing (and admin) also see who each row is, as on every billing screen."""

from flask import Blueprint, render_template, request

from service import batches, exports, staff
from service.pages import result_card
from service.pages.intake import DETERMINATIONS
from service.roles import has_role
from service.staff import page_requires
from service.verification.document import document, timestamp

blp = Blueprint("batch_pages", __name__)

ROWS_PER_PAGE = 100


def reason(v: dict) -> str:
    """Why a row got its answer, in a sentence or two: the denial reasons, else the blocking step, else what
    the answer means."""
    if v["status"] == "failed":
        return "The rules could not evaluate this row: check it again on the intake page."
    if v["status"] != "complete":
        return "Still being checked."
    explanations = [result_card.plain(r.get("explanation") or r["description"]) for r in v.get("denial_reasons") or ()]
    if explanations:
        return " ".join(dict.fromkeys(explanations))
    if steps := result_card.do_now(v):
        return f"{steps[0]['name']}: {steps[0]['text']}"
    return DETERMINATIONS.get(v.get("determination"), ("", "", ""))[2]


def row(verification, *, with_patient: bool) -> dict:
    v = document(verification)
    return {
        "row": verification.batch_row,
        "id": v["id"],
        "determination": v.get("determination"),
        "status": v["status"],
        "answer": result_card.headline(v) if v.get("determination") else
        ("Could not be evaluated" if v["status"] == "failed" else "Being checked"),
        "eligibility": result_card.eligibility(v) if v.get("determination") else None,
        "reason": reason(v),
        "patient": exports.patient(verification) if with_patient else None,
    }


@blp.route("/batches/<uuid:batch_id>")
@page_requires("intake")
def batch(batch_id):
    found = batches.get(batch_id)
    page = max(request.args.get("page", 1, type=int), 1)
    with_patients = has_role(staff.signed_in().role, "billing")
    rows = [row(item, with_patient=with_patients) for item in batches.rows(found, page=page, per_page=ROWS_PER_PAGE)]
    progress = batches.progress(found)
    return render_template(
        "batch.html", batch=found, created_at=timestamp(found.created_at), uploader=batches.uploader(found), progress=progress, rows=rows, page=page, with_patients=with_patients,
        last_page=max((found.total - progress["rejected"] + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE, 1),
        links=batches.links(found), labels={value: label for value, (label, *_) in DETERMINATIONS.items()},
    )
