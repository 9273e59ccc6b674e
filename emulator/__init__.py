"""A stateful local emulator of the Alibaba Cloud ECS API subset that security-group work touches."""

# The account every emulated resource belongs to; a group owner account other than this one is "another account".
EMULATOR_ACCOUNT_ID = "1234567890123456"
API_VERSION = "2014-05-26"
