# The `asyncio` package of the 2 MB+ esp8266 builds (frozen there by manifest_2MiB.py over the C
# `_asyncio` core, extmod/modasyncio.c), written for the lab from its documentation
# (MP@v1.28.0 docs/library/asyncio.rst) and the behaviour the board shows; not copied.
#
# The WebAssembly build has the same C core (_asyncio.TaskQueue and Task, which read the board's
# virtual clock through mp_js_ticks_ms) but its own asyncio package runs on the browser's event
# loop (it imports `js`). This one runs its own loop as the board does:
# - tasks sit in a TaskQueue ordered by the tick they are due at (time.ticks_ms of the board);
# - a task waiting on a stream sits in the IOQueue, asked with select.poll(0);
# - when nothing is due the loop sleeps through the firmware's sleep path (time.sleep_ms's, or
#   the network's wait while a stream is waited on), so virtual time passes, Ctrl-C interrupts it,
#   the clock controls apply and timer and pin callbacks run meanwhile.
# The C Task needs a dict with `cur_task`, `_task_queue` and `CancelledError` (Task.cancel reads
# them): that is the namespace the core's code runs in, `asyncio.core` on the board.
#
# On the board these files are frozen bytecode compiled at opt level 3 (extmod/asyncio/manifest.py),
# so a traceback through them reads File "asyncio/core.py", line 1, in run_until_complete. The
# sources below are compiled here the same way, under those file names. `asyncio` itself gets the
# core's public names (from .core import *) and loads Event, Lock, gather, streams … on first use.
import micropython as _mp
import _fw_boot as _b
import _fw_time as _fwt
import _fw_machine as _fwm

_CORE = '''
from time import ticks_ms as ticks, ticks_diff, ticks_add
import sys, select
from _asyncio import TaskQueue, Task


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):
    pass


# what Loop.call_exception_handler gets for a task that ended with an exception nobody awaited
_exc_context = {"message": "Task exception wasn't retrieved", "exception": None, "future": None}


class SingletonGenerator:
    # What sleep_ms() gives (one object for every sleep). Its first step puts the running task
    # back on the time queue at its wake-up tick and suspends the task; its second step ends.
    def __init__(self):
        self.state = None

    def __iter__(self):
        return self

    def __next__(self):
        due = self.state
        if due is None:
            raise StopIteration
        self.state = None
        _task_queue.push(cur_task, due)


_pause = SingletonGenerator()


def sleep_ms(t):
    # the wake-up tick is taken when sleep_ms is called, not when it is awaited
    _pause.state = ticks_add(ticks(), max(0, t))
    return _pause


def sleep(t):
    return sleep_ms(int(t * 1000))


class IOQueue:
    # Tasks waiting for a stream: map is id(stream) -> [reading task, writing task, stream].
    def __init__(self):
        self.poller = select.poll()
        self.map = {}

    def _wait_on(self, s, slot):
        entry = self.map.get(id(s))
        if entry is None:
            entry = [None, None, s]
            self.map[id(s)] = entry
            self.poller.register(s, select.POLLOUT if slot else select.POLLIN)
        else:
            self.poller.modify(s, select.POLLIN | select.POLLOUT)
        entry[slot] = cur_task
        cur_task.data = self  # Task.cancel() calls our remove()

    def queue_read(self, s):
        self._wait_on(s, 0)

    def queue_write(self, s):
        self._wait_on(s, 1)

    def _forget(self, entry):
        s = entry[2]
        if entry[0] is None and entry[1] is None:
            del self.map[id(s)]
            self.poller.unregister(s)
        else:
            self.poller.modify(s, select.POLLOUT if entry[0] is None else select.POLLIN)

    def remove(self, task):
        for entry in list(self.map.values()):
            hit = False
            for slot in (0, 1):
                if entry[slot] is task:
                    entry[slot] = None
                    hit = True
            if hit:
                self._forget(entry)

    def _ready(self):
        # queues the tasks whose stream can go on (an error or hang-up wakes both)
        woke = False
        if self.map:
            for s, ev in self.poller.poll(0):
                entry = self.map[id(s)]
                if entry[0] is not None and ev & ~select.POLLOUT:
                    _task_queue.push(entry[0])
                    entry[0] = None
                    woke = True
                if entry[1] is not None and ev & ~select.POLLIN:
                    _task_queue.push(entry[1])
                    entry[1] = None
                    woke = True
                self._forget(entry)
        return woke

    def wait_io_event(self, dt):
        # dt: ms until the next task is due (-1: none is). Streams are asked at once; a wait
        # sleeps in virtual time, at most one network step while a stream is waited on
        if self._ready() or dt == 0:
            return
        if self.map:
            _net_wait(-1 if dt < 0 else dt * 1000)
            self._ready()
        else:
            _sleep_us(dt * 1000)


def _promote_to_task(aw):
    return aw if isinstance(aw, Task) else create_task(aw)


def create_task(coro):
    if not hasattr(coro, "send"):
        raise TypeError("coroutine expected")
    t = Task(coro, globals())
    _task_queue.push(t)
    return t


def run_until_complete(main_task=None):
    global cur_task
    ended = (CancelledError, Exception)
    quiet = (CancelledError, StopIteration)
    while True:
        # sleep until the first task in the time queue is due
        while True:
            t = _task_queue.peek()
            if t:
                dt = ticks_diff(t.ph_key, ticks())
                if dt <= 0:
                    _io_queue.wait_io_event(0)
                    break
            elif _io_queue.map:
                dt = -1
            else:
                cur_task = None
                if not main_task or not main_task.state:
                    return
                dt = 3  # nothing can wake the main task: wait on, interruptible
            _io_queue.wait_io_event(dt)
        t = _task_queue.pop()
        cur_task = t
        try:
            exc = t.data
            if exc:
                # cancelled, or ended earlier with an exception still not retrieved
                t.data = None
                t.coro.throw(exc)
            else:
                t.coro.send(None)
        except ended as er:
            retrieved = t is main_task
            if retrieved:
                cur_task = None
                if not isinstance(er, StopIteration):
                    t.state = False
                    raise er
                if t.state is None:
                    t.state = False
            st = t.state
            if st is None:
                # a second turn of a task whose exception nobody took: report it
                t.data = exc
                _exc_context["exception"] = exc
                _exc_context["future"] = t
                Loop.call_exception_handler(_exc_context)
            elif st is not False:
                if st is True:
                    t.state = False if retrieved else None
                elif callable(st):
                    t.state = False
                    st(t, er)
                    retrieved = True
                else:
                    while st.peek():
                        _task_queue.push(st.pop())
                        retrieved = True
                    t.state = False
                if not retrieved and not isinstance(er, quiet):
                    # looked at again on a later turn: unless awaited by then, it is reported
                    _task_queue.push(t)
                t.data = er
            if t is main_task:
                return er.value


def run(coro):
    return run_until_complete(create_task(coro))


async def _stopper():
    pass


cur_task = None
_stop_task = None


class Loop:
    # the one event loop: a class whose functions are called on it (get_event_loop gives it)
    _exc_handler = None

    def create_task(coro):
        return create_task(coro)

    def run_forever():
        global _stop_task
        _stop_task = Task(_stopper(), globals())
        run_until_complete(_stop_task)

    def run_until_complete(aw):
        return run_until_complete(_promote_to_task(aw))

    def stop():
        global _stop_task
        if _stop_task is not None:
            _task_queue.push(_stop_task)
            _stop_task = None

    def close():
        pass

    def set_exception_handler(handler):
        Loop._exc_handler = handler

    def get_exception_handler():
        return Loop._exc_handler

    def default_exception_handler(loop, context):
        print(context["message"], file=sys.stderr)
        print("future:", context["future"], "coro=", context["future"].coro, file=sys.stderr)
        sys.print_exception(context["exception"], sys.stderr)

    def call_exception_handler(context):
        (Loop._exc_handler or Loop.default_exception_handler)(Loop, context)


def get_event_loop(runq_len=0, waitq_len=0):
    return Loop


def current_task():
    if cur_task is None:
        raise RuntimeError("no running event loop")
    return cur_task


def new_event_loop():
    global _task_queue, _io_queue
    _task_queue = TaskQueue()
    _io_queue = IOQueue()
    return Loop


new_event_loop()
'''

_FUNCS = '''
async def _watch(waiter, aw):
    # runs aw for wait_for; if aw ends while wait_for still sleeps, wakes it by a cancel that
    # carries the outcome: CancelledError(True, result) or CancelledError(exception, None)
    try:
        outcome = (True, await aw)
    except BaseException as er:
        outcome = (er, None)
    if waiter.data is None and waiter.cancel():
        waiter.data = CancelledError(*outcome)


async def wait_for(aw, timeout, sleep=sleep):
    aw = _promote_to_task(aw)
    if timeout is None:
        return await aw
    watcher = create_task(_watch(cur_task, aw))
    try:
        await sleep(timeout)
    except CancelledError as er:
        how = er.value
        if how is None:
            # wait_for itself was cancelled: so is aw
            watcher.cancel()
            raise er
        if how is True:
            return er.args[1]
        raise how
    # the time ran out first: aw is cancelled, and waited for
    watcher.cancel()
    await watcher
    raise TimeoutError


def wait_for_ms(aw, timeout):
    return wait_for(aw, timeout, sleep_ms)


class _Gathering:
    # the gathering task's data while it waits: Task.cancel() finds nothing to take it off
    def remove(self, task):
        pass


_gathering = _Gathering()


def gather(*aws, return_exceptions=False):
    tasks = [_promote_to_task(aw) for aw in aws]
    me = cur_task
    pending = 0
    failed = None  # the exception to raise, once known

    def finished(t, er):
        nonlocal pending, failed
        if me.data is not _gathering:
            return  # already woken (by another task's exception, or cancelled)
        if isinstance(er, StopIteration) or return_exceptions:
            pending -= 1
            if pending:
                return
        else:
            failed = er
        _task_queue.push(me)

    skip = False
    for t in tasks:
        st = t.state
        if st is True:
            t.state = finished
            pending += 1
        elif not st:
            if not return_exceptions and not isinstance(t.data, StopIteration):
                skip = True  # one has failed already: no waiting
        else:
            raise RuntimeError("can't gather")
    cancelled = False
    if pending and not skip:
        me.data = _gathering
        try:
            yield
        except CancelledError as er:
            cancelled = True
            failed = er
    for i in range(len(tasks)):
        t = tasks[i]
        if t.state is finished:
            t.state = True
            if cancelled:
                t.cancel()
        elif isinstance(t.data, StopIteration):
            tasks[i] = t.data.value
        elif return_exceptions:
            tasks[i] = t.data
        elif failed is None:
            failed = t.data
    if failed is not None:
        raise failed
    return tasks
'''

_EVENT = '''
class Event:
    def __init__(self):
        self.state = False
        self.waiting = TaskQueue()

    def is_set(self):
        return self.state

    def set(self):
        # from a task only (not an IRQ or a scheduled callback: ThreadSafeFlag is for those)
        while self.waiting.peek():
            _task_queue.push(self.waiting.pop())
        self.state = True

    def clear(self):
        self.state = False

    def wait(self):
        if not self.state:
            self.waiting.push(cur_task)
            cur_task.data = self.waiting  # Task.cancel() takes it off this queue
            yield
        return True


import io


class ThreadSafeFlag(io.IOBase):
    # a stream the loop polls (MP_STREAM_POLL): set() from an IRQ makes it readable
    def __init__(self):
        self.state = 0

    def ioctl(self, req, flags):
        if req == 3:
            return flags if self.state else 0
        return -1

    def set(self):
        self.state = 1

    def clear(self):
        self.state = 0

    async def wait(self):
        if not self.state:
            yield _io_queue.queue_read(self)
        self.state = 0
'''

_LOCK = '''
class Lock:
    # state: 0 unlocked, 1 locked, or the Task the lock is handed to next (not yet running)
    def __init__(self):
        self.state = 0
        self.waiting = TaskQueue()

    def locked(self):
        return self.state == 1

    def release(self):
        if self.state != 1:
            raise RuntimeError("Lock not acquired")
        if self.waiting.peek():
            self.state = self.waiting.pop()
            _task_queue.push(self.state)
        else:
            self.state = 0

    def acquire(self):
        if self.state != 0:
            self.waiting.push(cur_task)
            cur_task.data = self.waiting
            try:
                yield
            except CancelledError as er:
                if self.state == cur_task:
                    # cancelled after the lock was handed over: hand it on
                    self.state = 1
                    self.release()
                raise er
        self.state = 1
        return True

    async def __aenter__(self):
        return await self.acquire()

    async def __aexit__(self, exc_type, exc, tb):
        return self.release()
'''

_STREAM = '''
class Stream:
    # one class for both ends (StreamReader and StreamWriter are it), over a non-blocking socket
    def __init__(self, s, e={}):
        self.s = s
        self.e = e
        self.out_buf = b""

    def get_extra_info(self, v):
        return self.e[v]

    def close(self):
        pass

    async def wait_closed(self):
        self.s.close()

    def read(self, n=-1):
        got = b""
        while True:
            yield _io_queue.queue_read(self.s)
            part = self.s.read(n)
            if part is None:
                continue
            if n >= 0:
                return part
            if not part:
                return got
            got += part

    def readinto(self, buf):
        yield _io_queue.queue_read(self.s)
        return self.s.readinto(buf)

    def readexactly(self, n):
        got = b""
        while n:
            yield _io_queue.queue_read(self.s)
            part = self.s.read(n)
            if part is None:
                continue
            if not part:
                raise EOFError
            got += part
            n -= len(part)
        return got

    def readline(self):
        line = b""
        while True:
            yield _io_queue.queue_read(self.s)
            part = self.s.readline()
            if part is None:
                continue
            line += part
            if not part or line[-1] == 10:
                return line

    def write(self, buf):
        # written at once while nothing waits in out_buf; what does not fit waits for drain()
        if not self.out_buf:
            n = self.s.write(buf)
            if n == len(buf):
                return
            if n is not None:
                buf = buf[n:]
        self.out_buf += buf

    def drain(self):
        if not self.out_buf:
            return (yield from sleep_ms(0))  # always a turn for the other tasks
        data = memoryview(self.out_buf)
        off = 0
        while off < len(data):
            yield _io_queue.queue_write(self.s)
            n = self.s.write(data[off:])
            if n is not None:
                off += n
        self.out_buf = b""


StreamReader = Stream
StreamWriter = Stream


def open_connection(host, port, ssl=None, server_hostname=None):
    from errno import EINPROGRESS
    import socket

    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]  # blocks, as on the board
    s = socket.socket(ai[0], ai[1], ai[2])
    s.setblocking(False)
    try:
        s.connect(ai[-1])
    except OSError as er:
        if er.errno != EINPROGRESS:
            raise er
    if ssl:
        if ssl is True:
            import ssl as _ssl

            ssl = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
        s = ssl.wrap_socket(s, server_hostname=server_hostname or host, do_handshake_on_connect=False)
        s.setblocking(False)
    ss = Stream(s)
    yield _io_queue.queue_write(s)
    return ss, ss


class Server:
    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        self.close()
        await self.wait_closed()

    def close(self):
        self.state = True
        self.task.cancel()

    async def wait_closed(self):
        await self.task

    async def _serve(self, s, cb, ssl):
        self.state = False
        while True:
            try:
                yield _io_queue.queue_read(s)
            except CancelledError as er:
                s.close()
                if self.state:
                    return  # close() ended it
                raise er
            try:
                s2, addr = s.accept()
            except:
                continue
            if ssl:
                try:
                    s2 = ssl.wrap_socket(s2, server_side=True, do_handshake_on_connect=False)
                except OSError as e:
                    sys.print_exception(e)
                    s2.close()
                    continue
            s2.setblocking(False)
            ss = Stream(s2, {"peername": addr})
            create_task(cb(ss, ss))


async def start_server(cb, host, port, backlog=5, ssl=None):
    import socket

    ai = socket.getaddrinfo(host, port)[0]
    s = socket.socket(ai[0])
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ai[-1])
    s.listen(backlog)
    srv = Server()
    srv.task = create_task(srv._serve(s, cb, ssl))
    try:
        await sleep_ms(0)  # the server task starts before start_server returns
    except CancelledError as er:
        srv.task.cancel()
        raise er
    return srv


async def _awrite(self, buf, off=0, sz=-1):
    # the uasyncio v2 names: awrite(buf[, off[, sz]]), awritestr, aclose
    if off != 0 or sz != -1:
        buf = memoryview(buf)
        if sz == -1:
            sz = len(buf)
        buf = buf[off:off + sz]
    self.write(buf)
    await self.drain()


Stream.aclose = Stream.wait_closed
Stream.awrite = _awrite
Stream.awritestr = _awrite
'''


def _compile(src, name):
    level = _mp.opt_level()
    _mp.opt_level(3)
    try:
        return _b.compile(src, 'asyncio/%s.py' % name, 'exec')
    finally:
        _mp.opt_level(level)


# the waits are firmware code (outside asyncio/core.py): a traceback shows no frame of theirs
def _wait_net(us, wait=_fwm._net_wait):
    wait(us)  # Ctrl-C raises KeyboardInterrupt; a due callback runs, then the loop looks again


def _wait_time(us, wait=_fwt._wait):
    if us > 0:
        wait(us & 0xffffffff)  # time.sleep_ms's path: callbacks run during it


_core = {'__name__': 'asyncio.core', '_net_wait': _wait_net, '_sleep_us': _wait_time}
exec(_compile(_CORE, 'core'), _core)
# compiled now (the firmware's load), run on first use of one of their names
_parts = {'funcs': _compile(_FUNCS, 'funcs'), 'event': _compile(_EVENT, 'event'),
          'lock': _compile(_LOCK, 'lock'), 'stream': _compile(_STREAM, 'stream')}
del _CORE, _FUNCS, _EVENT, _LOCK, _STREAM


class _Part:
    # asyncio.core, asyncio.event …: a part of the package seen as a module (the parts share the
    # core's namespace, which is what the C Task reads)
    def __init__(self, name):
        self.__name__ = 'asyncio.' + name

    def __getattr__(self, name):
        try:
            return _core[name]
        except KeyError:
            raise AttributeError(name)

    def __repr__(self):
        return "<module '%s'>" % self.__name__


def _submodule(name):
    # `import asyncio.event`, or the first use of one of its names (the firmware's import hook)
    part = globals().get(name)
    if isinstance(part, _Part):
        return part
    if name not in ('funcs', 'event', 'lock', 'stream'):
        raise ImportError("no module named 'asyncio.%s'" % name)
    exec(_parts.pop(name), _core)
    part = globals()[name] = _Part(name)
    _core['sys'].modules[part.__name__] = part
    return part


core = _Part('core')
_core['sys'].modules['asyncio.core'] = core
for _k in _core:
    if _k[0] != '_':
        globals()[_k] = _core[_k]
__version__ = (3, 0, 0)
_attrs = {'wait_for': 'funcs', 'wait_for_ms': 'funcs', 'gather': 'funcs', 'Event': 'event',
          'ThreadSafeFlag': 'event', 'Lock': 'lock', 'open_connection': 'stream', 'start_server': 'stream',
          'StreamReader': 'stream', 'StreamWriter': 'stream'}


def __getattr__(attr):
    part = _attrs.get(attr)
    if part is None:
        raise AttributeError(attr)
    _submodule(part)
    value = _core[attr]
    globals()[attr] = value
    return value


del _k, _mp, _b, _fwt, _fwm, _compile, _wait_net, _wait_time
