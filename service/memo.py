"""A bounded, thread-safe memo of the most recently used values (least recently used dropped first),
for what a process works out once and looks up on every request after (service/body_memo.py,
service/verification/cache.py)."""

import threading
from collections import OrderedDict


class Memo:
    def __init__(self, size: int):
        self._size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
