"""The one error tree of the project.

Every error raised on purpose is a ``PaasError``; front ends catch it at the edge and show ``str(err)``,
which always says what happened and what to do next. Nothing below the front ends prints or exits.

PaasError
├── ConfigError               settings or config files are invalid or missing a value
├── ValidationError           bad input: unknown tool, malformed arguments or ids
│   ├── NotFoundError         an app, environment, release, approval or conversation does not exist
│   └── AmbiguousError        more than one thing matches; the caller must say which
├── PermissionDeniedError     the principal's role does not allow this (deny by default)
├── PolicyError               a policy forbids the change (limits, freeze window, two-person rule)
├── ApprovalError             an approval cannot be decided
│   ├── ApprovalExpiredError  the request is past its expiry
│   ├── ApprovalClosedError   the request was already decided
│   └── ArgsMismatchError     the arguments no longer match the hash that was approved
├── StoreError                the event store failed
│   ├── ConcurrencyError      another writer appended first (optimistic concurrency)
│   └── IntegrityError        the hash chain is broken: events were modified or deleted
├── BackendError              the platform backend could not carry out a change
└── ModelError                a chat model or provider failed or is not configured
"""

from __future__ import annotations


class PaasError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(PaasError):
    """Settings or config files are invalid or incomplete."""


class ValidationError(PaasError):
    """Input is malformed or refers to something unknown."""


class NotFoundError(ValidationError):
    """A named thing does not exist."""


class AmbiguousError(ValidationError):
    """More than one thing matches what was given."""


class PermissionDeniedError(PaasError):
    """The principal is not allowed to do this."""


class PolicyError(PaasError):
    """A policy forbids the change."""


class ApprovalError(PaasError):
    """An approval request cannot be decided."""


class ApprovalExpiredError(ApprovalError):
    """The approval request has expired."""


class ApprovalClosedError(ApprovalError):
    """The approval request was already decided."""


class ArgsMismatchError(ApprovalError):
    """The stored arguments do not match the approved hash."""


class StoreError(PaasError):
    """The event store failed."""


class ConcurrencyError(StoreError):
    """Another writer appended to the stream first."""


class IntegrityError(StoreError):
    """The audit hash chain does not verify."""


class BackendError(PaasError):
    """The backend could not carry out a change."""


class ModelError(PaasError):
    """A chat model failed or is not configured."""
