"""Privacy and retention: purge by data class, subject access export, erasure.

Every purge and erasure is recorded in the audit chain, so ``riskline audit verify`` still
proves the rest of the ledger untouched and can tell lawful changes from tampering.
"""

from riskline.privacy.retention import PurgeReport, RetentionPolicy, purge
from riskline.privacy.subject import ERASED_FIELDS, erase_subject, export_subject

__all__ = [
    "ERASED_FIELDS",
    "PurgeReport",
    "RetentionPolicy",
    "erase_subject",
    "export_subject",
    "purge",
]
