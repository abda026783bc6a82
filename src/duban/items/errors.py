"""Errors the item services raise. Each carries a Chinese message shown to the user as is.

The HTTP layer maps them: ``PermissionDenied`` → 403, ``ItemNotFound`` → 404, ``StateConflict`` → 409,
``InvalidInput`` → 422 (with field errors). A service that raises has changed nothing: every service
runs in one transaction.
"""

from __future__ import annotations

from duban.core.lifecycle import TransitionNotAllowed


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class InvalidInput(ServiceError):
    status = 422


class PermissionDenied(ServiceError):
    status = 403


class ItemNotFound(ServiceError):
    status = 404


class StateConflict(ServiceError):
    """The state does not allow the action, or someone changed the item meanwhile."""

    status = 409

    @classmethod
    def from_transition(cls, exc: TransitionNotAllowed) -> StateConflict:
        return cls(str(exc))


NO_PERMISSION = "您没有权限执行此操作。"
NOT_FOUND = "事项不存在或您无权查看。"
STALE_VERSION = "事项已被他人修改，请刷新页面后重试。"
REASON_REQUIRED = "请填写理由。"
