"""Sending a 270 to a clearinghouse and getting the payer's 271 back, in real time.

    adapter_from_env(environ) -> Adapter | None   the configured wire (None: no clearinghouse)
    adapter.send(x12_270, timeout=20, payload_id=uuid) -> Answer   or raises Failure
    terms_for(rule_module) -> Terms                a payer's service types and timeout (its policy file)

Two wires: Stedi's raw-X12 JSON endpoint (stedi.py) and CAQH CORE Connectivity vC2.2.0 SOAP 1.2
(core.py: Stedi's SOAP endpoint, Office Ally, Availity and any CORE-certified clearinghouse).
Imports neither Flask nor Celery; credentials never reach a log line, an exception or a repr.
"""

from .exchange import KINDS, Adapter, Answer, Failure, answer_or_failure
from .settings import Settings, adapter_from_env, adapter_from_settings, settings_from_env
from .terms import DEFAULT_TIMEOUT_SECONDS, Terms, service_types_for, terms_for, timeout_for

__all__ = [
    "KINDS", "Adapter", "Answer", "Failure", "answer_or_failure", "Settings", "adapter_from_env", "adapter_from_settings",
    "settings_from_env", "DEFAULT_TIMEOUT_SECONDS", "Terms", "service_types_for", "terms_for", "timeout_for",
]
