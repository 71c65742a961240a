import pytest

from tests.channels import fakes


@pytest.fixture
def sms_settings(settings):
    """Credentials and templates every SMS provider test shares (never real ones)."""
    settings.SMS_SIGNATURE = "【湖州政企恳谈会】"
    settings.SMS_SIGN_NAME = "湖州政企恳谈会"
    settings.SMS_TEMPLATES = {"issue:rate": {"code": "SMS_RATE_1", "params": ["content"]}}
    settings.SMS_DEFAULT_TEMPLATE = "SMS_GENERIC_1"
    settings.SMS_TIMEOUT = 5
    settings.SMS_REGION = ""
    return settings


@pytest.fixture
def aliyun_settings(sms_settings):
    sms_settings.SMS_BACKEND = "notifications.providers.aliyun.AliyunSMSBackend"
    sms_settings.SMS_ACCESS_KEY_ID = fakes.ALIYUN_ID
    sms_settings.SMS_ACCESS_KEY_SECRET = fakes.ALIYUN_SECRET
    return sms_settings


@pytest.fixture
def tencent_settings(sms_settings):
    sms_settings.SMS_BACKEND = "notifications.providers.tencent.TencentSMSBackend"
    sms_settings.SMS_ACCESS_KEY_ID = fakes.TENCENT_ID
    sms_settings.SMS_ACCESS_KEY_SECRET = fakes.TENCENT_SECRET
    sms_settings.SMS_SDK_APP_ID = "1400000001"
    sms_settings.SMS_REGION = "ap-shanghai"
    return sms_settings


@pytest.fixture
def dingtalk_settings(settings):
    settings.DINGTALK_BACKEND = "notifications.providers.dingtalk.DingTalkBackend"
    settings.DINGTALK_APP_KEY = fakes.DINGTALK_KEY
    settings.DINGTALK_APP_SECRET = fakes.DINGTALK_SECRET
    settings.DINGTALK_AGENT_ID = "2801"
    settings.DINGTALK_LINK_PICTURE = ""
    settings.SITE_URL = "https://talks.example.gov.cn"
    settings.SMS_TIMEOUT = 5
    return settings
