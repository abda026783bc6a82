"""Messages the scoring services raise (the tests reuse them). Exceptions are the items app's."""

from duban.items.errors import InvalidInput, ItemNotFound, PermissionDenied, ServiceError, StateConflict

__all__ = ["InvalidInput", "ItemNotFound", "PermissionDenied", "ServiceError", "StateConflict"]

NO_PERMISSION = "只有督查室或绩考办可以录入、冲正评分事实或选择评分政策。"
NOT_FOUND = "评分台账条目不存在或您无权查看。"
ALREADY_COUNTERED = "该条目已冲正，不能重复冲正。"
COUNTER_OF_COUNTER = "冲正条目本身不能再冲正；如需恢复，请重新录入事实。"
REASON_REQUIRED = "冲正须书面说明理由。"
EVIDENCE_REQUIRED = "请上传证明材料或填写证明材料文号（录入事实须有据可查）。"
DESCRIPTION_REQUIRED = "请填写事实说明。"
