# The frozen `urequests` module: the old name of `requests` (micropython-lib python-ecosys/urequests).
from requests import *
