# The `math` module of the esp8266 build: the interpreter's own, without the constants the
# firmware leaves out (MICROPY_PY_MATH_CONSTANTS 0: no inf, nan, tau; v1.27-surface §17.4).
import math as _m

for _k in dir(_m):
    if not _k.startswith('__') and _k not in ('inf', 'nan', 'tau'):
        globals()[_k] = getattr(_m, _k)
del _k
