"""External notification channels. Each adapter sends one message or raises ``DeliveryError``.

Email goes through Django's mail backend; WeCom and DingTalk group robots take a JSON POST to their
webhook URL (the office's intranet proxy address); SMS is an interface an office fills with its
provider's gateway (``DUBAN_SMS_GATEWAY`` = dotted path of a callable ``send(phone, text)``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    pass


class Channel(Protocol):
    def send(self, address: str, title: str, body: str) -> None: ...


class EmailChannel:
    def send(self, address: str, title: str, body: str) -> None:
        try:
            send_mail(title, body, None, [address], fail_silently=False)
        except Exception as exc:  # SMTP errors come in many classes
            raise DeliveryError(f"邮件发送失败：{exc}") from exc


class WebhookRobotChannel:
    """WeCom (企业微信) and DingTalk (钉钉) group robots share the text-message JSON shape."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def send(self, address: str, title: str, body: str) -> None:
        payload = json.dumps({"msgtype": "text", "text": {"content": f"{title}\n{body}"}}).encode()
        request = urllib.request.Request(address, data=payload, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise DeliveryError(f"机器人推送失败：{exc}") from exc
        if answer.get("errcode", 0) != 0:
            raise DeliveryError(f"机器人推送被拒绝：{answer}")


class SmsChannel:
    def send(self, address: str, title: str, body: str) -> None:
        gateway_path = getattr(settings, "DUBAN_SMS_GATEWAY", "")
        if not gateway_path:
            raise DeliveryError("未配置短信网关（DUBAN_SMS_GATEWAY）。")
        gateway: Callable[[str, str], None] = import_string(gateway_path)
        try:
            gateway(address, f"{title}：{body}"[:300])
        except Exception as exc:
            raise DeliveryError(f"短信发送失败：{exc}") from exc


CHANNELS: dict[str, Channel] = {
    "email": EmailChannel(),
    "wecom": WebhookRobotChannel(),
    "dingtalk": WebhookRobotChannel(),
    "sms": SmsChannel(),
}
