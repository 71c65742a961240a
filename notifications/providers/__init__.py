"""Real delivery channels behind the outbox's backend interface (docs/api-channels.md).

``aliyun`` (Alibaba Cloud SMS), ``tencent`` (Tencent Cloud SMS) and ``dingtalk`` (DingTalk
work notices for officials) speak to their provider over HTTPS with the standard library;
``common`` holds what they share: the HTTP call, the template an SMS row is sent with, the
check that a chosen provider has its credentials.
"""
