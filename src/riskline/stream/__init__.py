"""Stream mode: events from NATS JetStream decided by several workers, effects exactly once.

See ``docs/operations.md`` for the ordering model (every worker observes every event in
stream order; each decides its own slot's) and its exact scope.
"""

from riskline.stream.admission import Admission, Refused, slot_of
from riskline.stream.bridge import JetStream, Received
from riskline.stream.interleave import Interleaver, StreamLedger
from riskline.stream.names import StreamNames
from riskline.stream.outbox import STREAM, Outbox, Relay, outbox_table, webhook_endpoints
from riskline.stream.process import RelayLoop, WorkerProcess, start_worker, worker_runtime
from riskline.stream.publish import (
    PublishReport,
    encode_message,
    parse_all,
    publish_events,
    publish_file,
)
from riskline.stream.webhooks import (
    DECISION_CREATED,
    DEFAULT_TOPICS,
    LINE_FROZEN,
    DeliveryFailed,
    Topic,
    WebhookSender,
    backoff,
    sign,
    verify,
)
from riskline.stream.worker import Worker, WorkerStats

__all__ = [
    "DECISION_CREATED",
    "DEFAULT_TOPICS",
    "LINE_FROZEN",
    "STREAM",
    "Admission",
    "DeliveryFailed",
    "Interleaver",
    "JetStream",
    "Outbox",
    "PublishReport",
    "Received",
    "Refused",
    "Relay",
    "RelayLoop",
    "StreamLedger",
    "StreamNames",
    "Topic",
    "WebhookSender",
    "Worker",
    "WorkerProcess",
    "WorkerStats",
    "backoff",
    "encode_message",
    "outbox_table",
    "parse_all",
    "publish_events",
    "publish_file",
    "sign",
    "slot_of",
    "start_worker",
    "verify",
    "webhook_endpoints",
    "worker_runtime",
]
