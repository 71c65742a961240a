"""A provider chosen without its credentials refuses to start, naming what is missing; the
log backend keeps working with the interface it always had."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from notifications.backends import send_sms

ROOT = Path(__file__).resolve().parents[2]


def check(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("SMS_", "DINGTALK_"))}
    environment.update(DEBUG="true", **env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("env, missing", [
    ({"SMS_BACKEND": "notifications.providers.aliyun.AliyunSMSBackend"},
     "SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET is not set"),
    ({"SMS_BACKEND": "notifications.providers.tencent.TencentSMSBackend",
      "SMS_ACCESS_KEY_ID": "id", "SMS_ACCESS_KEY_SECRET": "secret"},
     "SMS_SDK_APP_ID is not set"),
    ({"SMS_BACKEND": "notifications.providers.aliyun.AliyunSMSBackend",
      "SMS_ACCESS_KEY_ID": "id", "SMS_ACCESS_KEY_SECRET": "secret"},
     "sends approved templates only"),
    ({"DINGTALK_BACKEND": "notifications.providers.dingtalk.DingTalkBackend",
      "DINGTALK_APP_KEY": "key"},
     "DINGTALK_APP_SECRET, DINGTALK_AGENT_ID is not set"),
])
def test_a_provider_without_its_settings_refuses_to_start(env, missing):
    result = check(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_a_provider_with_its_settings_starts():
    result = check(SMS_BACKEND="notifications.providers.tencent.TencentSMSBackend",
                   SMS_ACCESS_KEY_ID="id", SMS_ACCESS_KEY_SECRET="secret",
                   SMS_SDK_APP_ID="1400000001", SMS_DEFAULT_TEMPLATE="100001",
                   SMS_TEMPLATES='{"issue:rate": {"code": "100002", "params": ["content"]}}')
    assert result.returncode == 0, result.stderr


def test_the_log_backend_keeps_its_interface(settings, caplog):
    settings.SMS_BACKEND = "notifications.backends.LogSMSBackend"
    caplog.set_level("INFO", logger="notifications.sms")
    send_sms(mobile="13800001234", text="【湖州政企恳谈会】测试", key="issue:1:rate:r1:2:sms")
    assert "SMS to 13800001234: 【湖州政企恳谈会】测试" in caplog.text
