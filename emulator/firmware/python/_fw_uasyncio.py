# `uasyncio` of the 2 MB+ esp8266 builds (extmod/asyncio/manifest.py freezes it beside asyncio):
# the old name, which takes every attribute from `asyncio`, imported on the first one asked for.


def __getattr__(name):
    return getattr(__import__('asyncio'), name)
