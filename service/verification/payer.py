"""Asking the payer (the eligibility task's side): send a verification's 270 through the clearinghouse,
or join an identical inquiry sent within the dedupe window, and feed the 271 to the rules.

    check(inquiry_id)   one run of the task; raises RetryLater when it must run again

- The attempt is committed before the 270 leaves; a task that finds its inquiry already `sent`
  (its worker died mid-send) does not send it again.
- Only a failure with `sent=False` (the 270 never left) is tried again, ELIGIBILITY_SEND_RETRIES
  times with backoff; a timeout, a 999, a TA1 or a rejected envelope may have reached the payer.
- A 271 whose AAA says 42 (unable to respond now) is asked once more, ELIGIBILITY_RETRY_SECONDS later.
- The 271, less its addresses, goes into the verification's request as `coverage.eligibility_271`,
  exactly as a pasted one (`x12_exchange.with_271`); the rules run again, the stored result is
  replaced, the cached result of the request as submitted is dropped (it no longer holds), a waiting
  POST hears it, and a callback_url gets a `verification.updated` webhook.
"""

import logging
import uuid
from dataclasses import replace

import orjson
from flask import current_app
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

import workers.rules
from schemas.x12_271 import parse_271
from service import x12_exchange
from service.clinic import clinic_details
from service.durability import commit_durably
from service.extensions import db
from service.models import utcnow
from service.verification import cache, inquiries, store
from service.verification.finished import verifications_updated
from service.verification.row import FINISHED
from workers.clearinghouse import Failure, adapter_from_env, terms_for
from workers.x12.addresses import without_addresses
from workers.x12.inquiry import write_270

log = logging.getLogger(__name__)

UNABLE_TO_RESPOND = "42"
# The task's hard limit must outlast the send: the send is cut this much before the soft limit.
SEND_MARGIN_SECONDS = 10.0


class RetryLater(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"retry in {seconds:.0f} s")
        self.seconds = seconds


def adapter():
    """The configured clearinghouse adapter, None when there is none (or its settings are incomplete)."""
    try:
        return adapter_from_env(current_app.config["CLEARINGHOUSE"])
    except ValueError as error:  # names the variable, never its value
        log.warning("clearinghouse not usable: %s", error)
        return None


def check(inquiry_id) -> None:
    inquiry = inquiries.get(inquiry_id)
    if inquiry is None:
        return
    if inquiry.joined_inquiry_id is not None:
        leader = inquiries.get(inquiry.joined_inquiry_id)
        if leader.status in inquiries.SETTLED:
            settle(leader)
        return  # the leader's task settles it when its answer comes
    if inquiry.status in inquiries.SETTLED:
        settle(inquiry)  # a redelivered task, or one that waited for the rules to finish
        return
    if inquiry.status == "sent":
        inquiries.failed(inquiry, "timeout", "The worker stopped while waiting for the payer's answer. The inquiry "
                                             "was not sent again (the payer may have had it): ask again.")
        settle(inquiry)
        return
    _send(inquiry)


def broken(inquiry_id) -> None:
    """Settle an inquiry whose task failed on a bug (logged by Celery), so its check does not stay pending."""
    db.session.rollback()
    inquiry = inquiries.get(inquiry_id)
    if inquiry is not None and inquiry.status in inquiries.PENDING:
        inquiries.failed(inquiry, "error", "The check failed on an error in the service; it has been logged for review.")
        settle(inquiry)


def _send(inquiry) -> None:
    verification = store.get(inquiry.verification_id)
    if verification is None:
        return
    wire = adapter()
    if wire is None:
        inquiries.failed(inquiry, "not_asked", "No clearinghouse is configured (BV_CLEARINGHOUSE).")
        settle(inquiry)
        return
    result = verification.result or workers.rules.evaluate(verification.request)
    terms = terms_for(result.get("rule_module"))
    try:
        x12_inquiry = x12_exchange.inquiry_for(verification.id, verification.request, result, utcnow(),
                                               current_app.config, clinic_details())
    except HTTPException as refused:
        inquiries.failed(inquiry, "not_asked", (getattr(refused, "data", None) or {}).get("message") or "Not asked.")
        settle(inquiry)
        return
    x12_inquiry = replace(x12_inquiry, control_number=inquiry.id % 1_000_000_000 or 1,
                          service_types=terms.service_types or x12_inquiry.service_types)
    patient = x12_inquiry.dependent or x12_inquiry.subscriber
    key = inquiries.dedupe_key(x12_inquiry.payer_id, x12_inquiry.subscriber.member_id, patient.birth_date,
                               x12_inquiry.service_types, x12_inquiry.date_of_service)
    if inquiry.status == "queued":
        leader_id = inquiries.claim(inquiry, key)
        if leader_id != inquiry.id:
            inquiries.join(inquiry, key, leader_id)
            log.info("eligibility inquiry %s joined inquiry %s (same inquiry within the window)", inquiry.id, leader_id)
            check(inquiry.id)
            return

    payload_id = str(uuid.uuid4())
    inquiries.mark_sent(inquiry, key=key, payload_id=payload_id, interchange_control=f"{x12_inquiry.control_number:09d}")
    timeout = min(terms.timeout_seconds, current_app.config["ELIGIBILITY_MAX_TIMEOUT_SECONDS"],
                  max(1.0, current_app.config["TASK_TIME_LIMIT"] - 5 - SEND_MARGIN_SECONDS))
    log.info("eligibility inquiry %s sent through %s (attempt %s, %.0f s allowed)", inquiry.id, inquiry.adapter,
             inquiry.attempts, timeout)
    try:
        answer = wire.send(write_270(x12_inquiry), timeout=timeout, payload_id=payload_id)
    except Failure as failure:
        # The kind only: the detail is shown to staff, not logged.
        log.warning("eligibility inquiry %s: %s (sent: %s)", inquiry.id, failure.kind, failure.sent)
        _failed(inquiry, failure)
        return
    log.info("eligibility inquiry %s answered in %.2f s", inquiry.id, answer.elapsed_seconds)
    try:
        response = parse_271(answer.x12)
    except ValidationError:
        inquiries.failed(inquiry, "envelope_rejected", "The payer's 271 could not be read.")
        settle(inquiry)
        return
    text = without_addresses(answer.x12)
    unable = any(rejection.code == UNABLE_TO_RESPOND for rejection in response.rejections())
    if unable and inquiry.failure_kind != "unable_to_respond":
        seconds = current_app.config["ELIGIBILITY_RETRY_SECONDS"]
        inquiries.retry_scheduled(inquiry, "unable_to_respond",
                                  f"The payer could not answer now (AAA 42); asked once more in {seconds} seconds.", text)
        raise RetryLater(seconds)
    inquiries.answered(inquiry, text, interchange_control=answer.interchange_control,
                       transaction_control=answer.transaction_control)
    settle(inquiry)


def _failed(inquiry, failure: Failure) -> None:
    if failure.sent:
        inquiries.failed(inquiry, failure.kind, failure.detail)
        settle(inquiry)
        return
    retries = current_app.config["ELIGIBILITY_SEND_RETRIES"]
    if inquiry.attempts > retries:
        inquiries.failed(inquiry, failure.kind, f"{failure.detail} (not sent after {inquiry.attempts} tries)")
        settle(inquiry)
        return
    inquiries.retry_scheduled(inquiry, failure.kind, failure.detail)
    raise RetryLater(current_app.config["ELIGIBILITY_BACKOFF_SECONDS"] * 2 ** (inquiry.attempts - 1))


def settle(leader) -> None:
    """Give the leader's outcome to every inquiry that joined it, and feed an answered 271 to the rules of
    each one's verification; RetryLater while a verification's rules have not finished yet."""
    waiting = []
    for follower in inquiries.followers(leader.id):
        inquiries.take_outcome(follower, leader)
    db.session.commit()
    for inquiry in [leader, *inquiries.followers_settled(leader.id)]:
        if inquiry.applied_at is not None:
            continue
        verification = store.get(inquiry.verification_id)
        if verification is None:
            continue
        if verification.status not in FINISHED:
            waiting.append(inquiry.id)
            continue
        if inquiry.status == "answered" and verification.status == "complete":
            request = x12_exchange.with_271(verification.request, inquiry.response_271)
            store.replace_result(verification.id, request, workers.rules.evaluate(request))
        inquiries.applied([inquiry.id])
        commit_durably(db.session)
        if inquiry.status == "answered":
            cache.forget(verification.fingerprint)
        cache.announce(inquiries.announcement_channel(verification.id), orjson.dumps({"status": inquiry.status}))
        verifications_updated([verification.id])
    if waiting:
        raise RetryLater(1)
