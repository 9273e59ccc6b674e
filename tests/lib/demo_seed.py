# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ids of the emulator's demo seed (the table in emulator/README.md), for tests and benchmarks."""

DEMO_VPC = 'vpc-demo0000000000000001'
DEMO_VSWITCH = 'vsw-demo0000000000000001'
VPC_GROUP = 'sg-demovpcdefault000001'
CLASSIC_GROUP = 'sg-democlassic000000001'
WEB_1 = 'i-demoweb0000000000001'
WEB_2 = 'i-demoweb0000000000002'
REDIS_1 = 'i-demoredis00000000001'
CLASSIC_INSTANCE = 'i-democlassic000000001'
DEMO_INSTANCES = frozenset((WEB_1, WEB_2, REDIS_1))
FREE_ENI = 'eni-demofree000000000001'
PREFIX_LIST = 'pl-demo0000000000000001'
