"""Regions the emulator knows, and DescribeRegions."""

from __future__ import annotations

from typing import Any

from ..context import Context

# RegionId -> (LocalName, RegionEndpoint)
REGIONS: dict[str, tuple[str, str]] = {
    "cn-hangzhou": ("华东1（杭州）", "ecs.cn-hangzhou.aliyuncs.com"),
    "cn-shanghai": ("华东2（上海）", "ecs.cn-shanghai.aliyuncs.com"),
    "cn-beijing": ("华北2（北京）", "ecs.cn-beijing.aliyuncs.com"),
    "cn-shenzhen": ("华南1（深圳）", "ecs.cn-shenzhen.aliyuncs.com"),
    "cn-hongkong": ("中国香港", "ecs.cn-hongkong.aliyuncs.com"),
    "ap-southeast-1": ("新加坡", "ecs.ap-southeast-1.aliyuncs.com"),
    "us-west-1": ("美国（硅谷）", "ecs.us-west-1.aliyuncs.com"),
    "eu-central-1": ("德国（法兰克福）", "ecs.eu-central-1.aliyuncs.com"),
}


def describe_regions(ctx: Context) -> dict[str, Any]:
    del ctx  # every region is listed whatever the caller's region
    return {"Regions": {"Region": [{"RegionId": region_id, "LocalName": local_name, "RegionEndpoint": endpoint, "Status": "available"}
                                   for region_id, (local_name, endpoint) in REGIONS.items()]}}
